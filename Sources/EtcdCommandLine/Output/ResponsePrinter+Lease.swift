import EtcdClientCore

extension ResponsePrinter {
    /// A lease ID as etcdctl prints it: 16 hexadecimal digits.
    static func leaseText(_ id: EtcdLeaseID) -> String { GoText.hex(UInt64(bitPattern: id.rawValue), width: 16) }

    /// `lease grant`.
    func grant(_ grant: EtcdLeaseGrant) throws(CommandError) -> String {
        let ttl = grant.ttl.components.seconds
        switch format {
        case .simple: return "lease \(Self.leaseText(grant.id)) granted with TTL(\(ttl)s)\n"
        case .json:
            var object = Self.embedded(grant.header)
            object.add("ID", .int(grant.id.rawValue), omitEmpty: false)
            object.add("TTL", .int(ttl), omitEmpty: false)
            object.add("Error", .string(""), omitEmpty: false)
            return line(object.json)
        case .fields: return fields(grant.header) + "\"ID\" : \(grant.id.rawValue)\n\"TTL\" : \(ttl)\n"
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `lease revoke`.
    func revoke(_ id: EtcdLeaseID, _ header: EtcdResponseHeader) throws(CommandError) -> String {
        switch format {
        case .simple: return "lease \(Self.leaseText(id)) revoked\n"
        case .json: return line(.object([("header", Self.json(header))]))
        case .fields: return fields(header)
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// One `lease keep-alive` renewal.
    func keepAlive(_ heartbeat: EtcdLeaseHeartbeat) throws(CommandError) -> String {
        let ttl = heartbeat.ttl.components.seconds
        switch format {
        case .simple: return "lease \(Self.leaseText(heartbeat.lease)) keepalived with TTL(\(ttl))\n"
        case .json:
            var object = Self.embedded(heartbeat.header)
            object.add("ID", .int(heartbeat.lease.rawValue), omitEmpty: false)
            object.add("TTL", .int(ttl), omitEmpty: false)
            return line(object.json)
        case .fields: return fields(heartbeat.header) + "\"ID\" : \(heartbeat.lease.rawValue)\n\"TTL\" : \(ttl)\n"
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `lease timetolive`.
    func timeToLive(_ answer: EtcdLeaseTimeToLive, keys: Bool) throws(CommandError) -> String {
        let remaining = answer.remainingTTL?.components.seconds ?? -1
        let granted = answer.grantedTTL.components.seconds
        switch format {
        case .simple:
            if granted == 0 && remaining == -1 { return "lease \(Self.leaseText(answer.id)) already expired\n" }
            var line = "lease \(Self.leaseText(answer.id)) granted with TTL(\(granted)s), remaining(\(remaining)s)"
            if keys { line += ", attached keys([\(answer.keys.map { text($0.bytes) }.joined(separator: " "))])" }
            return line + "\n"
        case .json:
            var object = Self.embedded(answer.header)
            object.add("id", .int(answer.id.rawValue), omitEmpty: false)
            object.add("ttl", .int(remaining), omitEmpty: false)
            object.add("granted-ttl", .int(granted), omitEmpty: false)
            object.add(
                "keys",
                answer.keys.isEmpty ? .null : .array(answer.keys.map { .bytes($0.bytes) }),
                omitEmpty: false
            )
            return line(object.json)
        case .fields:
            return fields(answer.header) + "\"ID\" : \(answer.id.rawValue)\n\"TTL\" : \(remaining)\n"
                + "\"GrantedTTL\" : \(granted)\n" + answer.keys.map { "\"Key\" : \(GoText.quote($0.bytes))\n" }.joined()
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `lease list`.
    func leases(_ header: EtcdResponseHeader, _ leases: [EtcdLeaseID]) throws(CommandError) -> String {
        switch format {
        case .simple: return "found \(leases.count) leases\n" + leases.map { Self.leaseText($0) + "\n" }.joined()
        case .json:
            var object = Self.embedded(header)
            object.add("leases", .array(leases.map { .object([("id", .int($0.rawValue))]) }), omitEmpty: false)
            return line(object.json)
        case .fields: return fields(header) + leases.map { "\"ID\" : \($0.rawValue)\n" }.joined()
        case .table, .protobuf: throw format.unsupported
        }
    }
}
