import EtcdClientCore

/// Turns responses into etcdctl's output for `-w simple`, `json` and `fields` (and `table` where etcdctl has
/// it): each method returns the text for standard output.
struct ResponsePrinter: Sendable {
    /// The format.
    let format: OutputFormat
    /// `--hex`: keys and values as `\x..` escapes in the simple format.
    let isHex: Bool
    /// `--print-value-only`: values without keys in the simple format.
    var valueOnly = false

    // MARK: - Shared pieces

    /// A key or value as the simple format prints it: the bytes, or `\x` escapes with `--hex`.
    func text(_ bytes: [UInt8]) -> String {
        isHex ? bytes.map { "\\x" + GoText.hex($0, width: 2) }.joined() : String(decoding: bytes, as: UTF8.self)
    }

    /// `printKV`: the key (unless values only) and the value, a line each.
    func simple(_ keyValue: EtcdKeyValue) -> String {
        (valueOnly ? "" : text(keyValue.key.bytes) + "\n") + text(keyValue.value) + "\n"
    }

    /// The four header lines of the fields format.
    func fields(_ header: EtcdResponseHeader) -> String {
        """
        "ClusterID" : \(header.clusterID)
        "MemberID" : \(header.memberID)
        "Revision" : \(header.revision)
        "RaftTerm" : \(header.raftTerm)

        """
    }

    /// A key-value's lines in the fields format, each name after `prefix` (`Prev` for previous values).
    func fields(_ keyValue: EtcdKeyValue, prefix: String = "") -> String {
        """
        "\(prefix)Key" : \(GoText.quote(keyValue.key.bytes))
        "\(prefix)CreateRevision" : \(keyValue.createRevision)
        "\(prefix)ModRevision" : \(keyValue.modRevision)
        "\(prefix)Version" : \(keyValue.version)
        "\(prefix)Value" : \(GoText.quote(keyValue.value))
        "\(prefix)Lease" : \(keyValue.lease?.rawValue ?? 0)

        """
    }

    /// A header as etcd's JSON has it.
    static func json(_ header: EtcdResponseHeader) -> GoJSON {
        var object = GoJSONObject()
        object.add("cluster_id", .uint(header.clusterID))
        object.add("member_id", .uint(header.memberID))
        object.add("revision", .int(header.revision))
        object.add("raft_term", .uint(header.raftTerm))
        return object.json
    }

    /// A header embedded in a clientv3 struct (lease responses): its fields at the top level.
    static func embedded(_ header: EtcdResponseHeader) -> GoJSONObject {
        guard case .object(let fields) = json(header) else { return GoJSONObject() }
        var object = GoJSONObject()
        for (name, value) in fields { object.add(name, value) }
        return object
    }

    /// A key-value as etcd's JSON has it.
    static func json(_ keyValue: EtcdKeyValue) -> GoJSON {
        var object = GoJSONObject()
        object.add("key", .bytes(keyValue.key.bytes))
        object.add("create_revision", .int(keyValue.createRevision))
        object.add("mod_revision", .int(keyValue.modRevision))
        object.add("version", .int(keyValue.version))
        object.add("value", .bytes(keyValue.value))
        object.add("lease", .int(keyValue.lease?.rawValue ?? 0))
        return object.json
    }

    /// One JSON line.
    func line(_ json: GoJSON) -> String { json.text + "\n" }
}
