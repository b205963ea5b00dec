import EtcdClientCore

extension ResponsePrinter {
    /// A member as etcd's JSON has it.
    static func json(_ member: EtcdMember) -> GoJSON {
        var object = GoJSONObject()
        object.add("ID", .uint(member.id))
        object.add("name", .string(member.name))
        object.add("peerURLs", .array(member.peerURLs.map { .string($0) }))
        object.add("clientURLs", .array(member.clientURLs.map { .string($0) }))
        object.add("isLearner", .bool(member.isLearner))
        return object.json
    }

    /// The rows of `member list` in the simple and table formats.
    static func memberRows(_ members: [EtcdMember]) -> [[String]] {
        members.map { member in
            [
                GoText.hex(member.id), member.name.isEmpty ? "unstarted" : "started", member.name,
                member.peerURLs.joined(separator: ","), member.clientURLs.joined(separator: ","),
                member.isLearner ? "true" : "false",
            ]
        }
    }

    /// `member list`.
    func memberList(_ response: EtcdMembersResponse) throws(CommandError) -> String {
        switch format {
        case .simple: return Self.memberRows(response.members).map { $0.joined(separator: ", ") + "\n" }.joined()
        case .json: return line(Self.membersJSON(response, includeAdded: false))
        case .fields:
            return fields(response.header)
                + response.members.map { member in
                    "\"ID\" : \(member.id)\n\"Name\" : \(GoText.quote(member.name))\n"
                        + member.peerURLs.map { "\"PeerURL\" : \(GoText.quote($0))\n" }.joined()
                        + member.clientURLs.map { "\"ClientURL\" : \(GoText.quote($0))\n" }.joined()
                        + "\"IsLearner\" : \(member.isLearner)\n\n"
                }.joined()
        case .table:
            let header = ["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"]
            return TextTable(header: header, rows: Self.memberRows(response.members)).text
        case .protobuf: throw format.unsupported
        }
    }

    /// `member add|remove|update|promote`: `verb` is `added to`, `removed from`, `updated in` or `promoted in`.
    func memberChange(_ id: UInt64, verb: String, _ response: EtcdMembersResponse) throws(CommandError) -> String {
        switch format {
        case .simple:
            return "Member \(GoText.spacePaddedHex(id, width: 16)) \(verb) cluster "
                + "\(GoText.spacePaddedHex(response.header.clusterID, width: 16))\n"
        case .json: return line(Self.membersJSON(response, includeAdded: verb == "added to"))
        case .fields, .table, .protobuf: throw format.unsupported
        }
    }

    private static func membersJSON(_ response: EtcdMembersResponse, includeAdded: Bool) -> GoJSON {
        var object = GoJSONObject()
        object.add("header", json(response.header), omitEmpty: false)
        if includeAdded, let added = response.added { object.add("member", json(added)) }
        object.add("members", .array(response.members.map(json)))
        return object.json
    }

    /// `endpoint status`: each endpoint with its status.
    func endpointStatus(_ statuses: [(endpoint: String, status: EtcdStatusResponse)]) throws(CommandError) -> String {
        let rows = statuses.map { endpoint, status in
            [
                endpoint, GoText.hex(status.header.memberID), status.version, GoText.humanBytes(status.databaseSize),
                String(status.leader == status.header.memberID), String(status.isLearner), String(status.raftTerm),
                String(status.raftIndex), String(status.raftAppliedIndex), status.errors.joined(separator: ", "),
            ]
        }
        switch format {
        case .simple: return rows.map { $0.joined(separator: ", ") + "\n" }.joined()
        case .json:
            return line(
                .array(
                    statuses.map { endpoint, status in
                        var object = GoJSONObject()
                        object.add("header", Self.json(status.header), omitEmpty: false)
                        object.add("version", .string(status.version))
                        object.add("dbSize", .int(status.databaseSize))
                        object.add("leader", .uint(status.leader))
                        object.add("raftIndex", .uint(status.raftIndex))
                        object.add("raftTerm", .uint(status.raftTerm))
                        object.add("raftAppliedIndex", .uint(status.raftAppliedIndex))
                        object.add("errors", .array(status.errors.map { .string($0) }))
                        object.add("dbSizeInUse", .int(status.databaseSizeInUse))
                        object.add("isLearner", .bool(status.isLearner))
                        return .object([("Endpoint", .string(endpoint)), ("Status", object.json)])
                    }
                )
            )
        case .fields:
            return statuses.map { endpoint, status in
                fields(status.header) + "\"Version\" : \(GoText.quote(status.version))\n"
                    + "\"DBSize\" : \(status.databaseSize)\n\"Leader\" : \(status.leader)\n"
                    + "\"IsLearner\" : \(status.isLearner)\n\"RaftIndex\" : \(status.raftIndex)\n"
                    + "\"RaftTerm\" : \(status.raftTerm)\n\"RaftAppliedIndex\" : \(status.raftAppliedIndex)\n"
                    + "\"Errors\" : [\(status.errors.joined(separator: " "))]\n"
                    + "\"Endpoint\" : \(GoText.quote(endpoint))\n\n"
            }.joined()
        case .table:
            let header = [
                "endpoint", "ID", "version", "db size", "is leader", "is learner", "raft term", "raft index",
                "raft applied index", "errors",
            ]
            return TextTable(header: header, rows: rows).text
        case .protobuf: throw format.unsupported
        }
    }

    /// `endpoint hashkv`.
    func endpointHashKV(
        _ hashes: [(endpoint: String, hash: UInt32, compactRevision: Int64, header: EtcdResponseHeader)]
    ) throws(CommandError) -> String {
        switch format {
        case .simple: return hashes.map { "\($0.endpoint), \($0.hash)\n" }.joined()
        case .json:
            return line(
                .array(
                    hashes.map { entry in
                        var object = GoJSONObject()
                        object.add("header", Self.json(entry.header), omitEmpty: false)
                        object.add("hash", .uint(UInt64(entry.hash)))
                        object.add("compact_revision", .int(entry.compactRevision))
                        return .object([("Endpoint", .string(entry.endpoint)), ("HashKV", object.json)])
                    }
                )
            )
        case .fields:
            return hashes.map {
                fields($0.header) + "\"Endpoint\" : \(GoText.quote($0.endpoint))\n\"Hash\" : \($0.hash)\n\n"
            }.joined()
        case .table:
            return TextTable(header: ["endpoint", "hash"], rows: hashes.map { [$0.endpoint, String($0.hash)] }).text
        case .protobuf: throw format.unsupported
        }
    }

    /// `endpoint health`: the report lines (etcdctl writes the simple ones to standard error).
    func endpointHealth(_ reports: [(endpoint: String, health: EtcdEndpointHealth)]) throws(CommandError) -> String {
        switch format {
        case .simple:
            return reports.map { endpoint, health in
                health.isHealthy
                    ? "\(endpoint) is healthy: successfully committed proposal: took = \(GoText.duration(health.took))\n"
                    : "\(endpoint) is unhealthy: failed to commit proposal: \(Self.message(health.error))\n"
            }.joined()
        case .json:
            return line(
                .array(
                    reports.map { endpoint, health in
                        var object = GoJSONObject()
                        object.add("endpoint", .string(endpoint), omitEmpty: false)
                        object.add("health", .bool(health.isHealthy), omitEmpty: false)
                        object.add("took", .string(GoText.duration(health.took)), omitEmpty: false)
                        object.add("error", .string(health.isHealthy ? "" : Self.message(health.error)))
                        return object.json
                    }
                )
            )
        case .fields:
            return reports.map { endpoint, health in
                "\"Endpoint\" : \(GoText.quote(endpoint))\n\"Health\" : \(health.isHealthy)\n"
                    + "\"Took\" : \(GoText.duration(health.took))\n"
                    + "\"Error\" : \(health.isHealthy ? "" : Self.message(health.error))\n\n"
            }.joined()
        case .table:
            let rows = reports.map { endpoint, health in
                [
                    endpoint, String(health.isHealthy), GoText.duration(health.took),
                    health.isHealthy ? "" : Self.message(health.error),
                ]
            }
            return TextTable(header: ["endpoint", "health", "took", "error"], rows: rows).text
        case .protobuf: throw format.unsupported
        }
    }

    /// An error as etcdctl prints it: the server's message (`etcdserver: ...`), or ours.
    static func message(_ error: EtcdError?) -> String {
        guard let error else { return "unknown error" }
        return error.message
    }

    /// `alarm list` and `alarm disarm`.
    func alarms(_ header: EtcdResponseHeader, _ alarms: [EtcdAlarm]) throws(CommandError) -> String {
        switch format {
        case .simple: return alarms.map { "memberID:\($0.memberID) alarm:\(Self.alarmName($0.kind)) \n" }.joined()
        case .json:
            // etcd 3.4 sends no header with alarms, and etcdctl then prints none.
            guard case .object(let fields) = Self.optionalHeaderObject(header) else { return "" }
            var object = GoJSONObject()
            for (name, value) in fields { object.add(name, value, omitEmpty: false) }
            object.add(
                "alarms",
                .array(
                    alarms.map { alarm in
                        var member = GoJSONObject()
                        member.add("memberID", .uint(alarm.memberID))
                        member.add("alarm", .int(Int64(Self.alarmNumber(alarm.kind))))
                        return member.json
                    }
                )
            )
            return line(object.json)
        case .fields:
            return fields(header)
                + alarms.map { "\"MemberID\" : \($0.memberID)\n\"AlarmType\" : \(Self.alarmName($0.kind))\n\n" }
                .joined()
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `{"header":{...}}`, or `{}` for a header etcd did not send (all zero): Go then has a nil pointer, which its
    /// JSON leaves out.
    static func optionalHeaderObject(_ header: EtcdResponseHeader) -> GoJSON {
        header == EtcdResponseHeader(clusterID: 0, memberID: 0, revision: 0, raftTerm: 0)
            ? .object([]) : .object([("header", json(header))])
    }

    private static func alarmName(_ kind: EtcdAlarm.Kind) -> String {
        switch kind {
        case .noSpace: "NOSPACE"
        case .corrupt: "CORRUPT"
        case .other(let number): String(number)
        }
    }

    private static func alarmNumber(_ kind: EtcdAlarm.Kind) -> Int32 {
        switch kind {
        case .noSpace: 1
        case .corrupt: 2
        case .other(let number): number
        }
    }
}
