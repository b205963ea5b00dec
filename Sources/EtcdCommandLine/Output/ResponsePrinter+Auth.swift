import EtcdClientCore

extension ResponsePrinter {
    /// A change of users, roles or permissions: `simple` is etcdctl's sentence for it.
    func authChange(_ simple: String, _ header: EtcdResponseHeader) throws(CommandError) -> String {
        switch format {
        case .simple: return simple + "\n"
        case .json: return line(.object([("header", Self.json(header))]))
        case .fields: return fields(header)
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `user get`.
    func user(_ name: String, roles: [String], _ header: EtcdResponseHeader) throws(CommandError) -> String {
        switch format {
        case .simple: return "User: \(name)\nRoles:" + roles.map { " " + $0 }.joined() + "\n"
        case .json: return line(Self.listJSON(header, "roles", roles))
        case .fields, .table, .protobuf: throw format.unsupported
        }
    }

    /// `user list` (`field` `users`) and `role list` (`field` `roles`).
    func names(_ names: [String], field: String, _ header: EtcdResponseHeader) throws(CommandError) -> String {
        switch format {
        case .simple: return names.map { $0 + "\n" }.joined()
        case .json: return line(Self.listJSON(header, field, names))
        case .fields where field == "roles":
            return fields(header) + "\"Roles\" :" + names.map { " " + GoText.quote($0) }.joined() + "\n"
        case .fields, .table, .protobuf: throw format.unsupported
        }
    }

    private static func listJSON(_ header: EtcdResponseHeader, _ field: String, _ names: [String]) -> GoJSON {
        var object = GoJSONObject()
        object.add("header", json(header), omitEmpty: false)
        object.add(field, .array(names.map { .string($0) }))
        return object.json
    }

    /// `role get`.
    func role(
        _ name: String,
        _ permissions: [EtcdPermission],
        _ header: EtcdResponseHeader
    ) throws(CommandError)
        -> String
    {
        switch format {
        case .simple:
            func lines(_ accesses: Set<EtcdPermission.Access>) -> String {
                permissions.filter { accesses.contains($0.access) }.map { permission in
                    let start = String(decoding: permission.range.start, as: UTF8.self)
                    let end = permission.range.end
                    if end.isEmpty { return "\t\(start)\n" }
                    var text =
                        end == [0]
                        ? "\t[\(start), <open ended>" : "\t[\(start), \(String(decoding: end, as: UTF8.self)))"
                    if EtcdKeyRange.prefix(EtcdKey(bytes: permission.range.start)).end == end {
                        text += " (prefix \(start))"
                    }
                    return text + "\n"
                }.joined()
            }
            return "Role \(name)\nKV Read:\n" + lines([.read, .readWrite]) + "KV Write:\n"
                + lines([.write, .readWrite])
        case .json:
            var object = GoJSONObject()
            object.add("header", Self.json(header), omitEmpty: false)
            object.add(
                "perm",
                .array(
                    permissions.map { permission in
                        var entry = GoJSONObject()
                        entry.add("permType", .int(Self.permissionNumber(permission.access)))
                        entry.add("key", .bytes(permission.range.start))
                        entry.add("range_end", .bytes(permission.range.end))
                        return entry.json
                    }
                )
            )
            return line(object.json)
        case .fields:
            return fields(header)
                + permissions.map { permission in
                    "\"PermType\" :  \(Self.permissionName(permission.access))\n"
                        + "\"Key\" : \(GoText.quote(permission.range.start))\n"
                        + "\"RangeEnd\" : \(GoText.quote(permission.range.end))\n"
                }.joined()
        case .table, .protobuf: throw format.unsupported
        }
    }

    private static func permissionNumber(_ access: EtcdPermission.Access) -> Int64 {
        switch access {
        case .read: 0
        case .write: 1
        case .readWrite: 2
        }
    }

    private static func permissionName(_ access: EtcdPermission.Access) -> String {
        switch access {
        case .read: "READ"
        case .write: "WRITE"
        case .readWrite: "READWRITE"
        }
    }
}
