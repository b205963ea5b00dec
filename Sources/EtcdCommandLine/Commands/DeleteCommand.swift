import EtcdClientCore

/// `del [options] <key> [range_end]`.
enum DeleteCommand: ToolCommand {
    static let path = ["del"]
    static let arguments = "[options] <key> [range_end]"
    static let summary = "Removes the specified key or range of keys [key, range_end)"
    static let flags = [
        FlagSpec("prefix", .bool, "delete keys with matching prefix"),
        FlagSpec("prev-kv", .bool, "return deleted key-value pairs"),
        FlagSpec("from-key", .bool, "delete keys that are greater than or equal to the given key using byte compare"),
    ]

    static func run(_ context: CommandContext) async throws {
        let positionals = context.positionals
        guard (1...2).contains(positionals.count) else {
            throw CommandError(.badArgs, "del command needs one argument as key and an optional argument as range_end")
        }
        let range = try KeyRangeArguments.range(
            positionals,
            prefix: try context.arguments.bool("prefix"),
            fromKey: try context.arguments.bool("from-key")
        )
        let request = EtcdDeleteRequest(range, includePrevious: try context.arguments.bool("prev-kv"))
        let response = try await context.withClient { try await $0.delete(request) }
        context.print(try context.printer.delete(response))
    }
}
