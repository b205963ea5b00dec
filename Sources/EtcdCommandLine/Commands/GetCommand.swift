import EtcdClientCore

/// `get [options] <key> [range_end]`.
enum GetCommand: ToolCommand {
    static let path = ["get"]
    static let arguments = "[options] <key> [range_end]"
    static let summary = "Gets the key or a range of keys"
    static let flags = [
        FlagSpec("consistency", .string, default: "l", "Linearizable(l) or Serializable(s)"),
        FlagSpec("order", .string, "Order of results; ASCEND or DESCEND (ASCEND by default)"),
        FlagSpec("sort-by", .string, "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION"),
        FlagSpec("limit", .int, default: "0", "Maximum number of results"),
        FlagSpec("prefix", .bool, "Get keys with matching prefix"),
        FlagSpec("from-key", .bool, "Get keys that are greater than or equal to the given key using byte compare"),
        FlagSpec("rev", .int, default: "0", "Specify the kv revision"),
        FlagSpec("keys-only", .bool, "Get only the keys"),
        FlagSpec("count-only", .bool, "Get only the count"),
        FlagSpec("print-value-only", .bool, "Only write values when using the \"simple\" output format"),
    ]

    static func run(_ context: CommandContext) async throws {
        let request = try request(context.arguments)
        var printer = context.printer
        if try context.arguments.bool("print-value-only") {
            guard printer.format == .simple else {
                throw CommandError(.badArgs, "print-value-only is only for `--write-out=simple`")
            }
            printer.valueOnly = true
        }
        let response = try await context.withClient { try await $0.get(request) }
        context.print(try printer.get(response))
    }

    /// The read the flags and arguments describe, as etcdctl builds it.
    static func request(_ arguments: ParsedArguments) throws(CommandError) -> EtcdGetRequest {
        let positionals = arguments.positionals
        guard !positionals.isEmpty else {
            throw CommandError(.badArgs, "get command needs one argument as key and an optional argument as range_end")
        }
        let range = try KeyRangeArguments.range(
            positionals,
            prefix: try arguments.bool("prefix"),
            fromKey: try arguments.bool("from-key")
        )
        var request = EtcdGetRequest(range)
        switch arguments.string("consistency") {
        case "l": request.consistency = .linearizable
        case "s": request.consistency = .serializable
        case let other: throw CommandError(.badFeature, "unknown consistency flag \(GoText.quote(other))")
        }
        let limit = try arguments.int("limit")
        if limit > 0 { request.limit = Int(limit) }
        let revision = try arguments.int("rev")
        if revision > 0 { request.revision = revision }
        request.sort = try sort(order: arguments.string("order"), target: arguments.string("sort-by"))
        if try arguments.bool("keys-only") { request.output = .keysOnly }
        if try arguments.bool("count-only") { request.output = .countOnly }
        return request
    }

    /// The sort etcdctl asks for: none unless an order or a target other than the key is given (a target
    /// alone sorts ascending, as etcd does).
    private static func sort(order: String, target: String) throws(CommandError) -> EtcdSort? {
        let sortOrder: EtcdSort.Order?
        switch order.uppercased() {
        case "ASCEND": sortOrder = .ascending
        case "DESCEND": sortOrder = .descending
        case "": sortOrder = nil
        default: throw CommandError(.badFeature, "bad sort order \(order)")
        }
        let sortTarget: EtcdSort.Target
        switch target.uppercased() {
        case "CREATE": sortTarget = .createRevision
        case "KEY", "": sortTarget = .key
        case "MODIFY": sortTarget = .modRevision
        case "VALUE": sortTarget = .value
        case "VERSION": sortTarget = .version
        default: throw CommandError(.badFeature, "bad sort target \(target)")
        }
        if sortTarget == .key && sortOrder != .descending { return nil }
        return EtcdSort(target: sortTarget, order: sortOrder ?? .ascending)
    }
}
