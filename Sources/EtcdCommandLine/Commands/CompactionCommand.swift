import EtcdClientCore

/// `compaction [options] <revision>`.
enum CompactionCommand: ToolCommand {
    static let path = ["compaction"]
    static let arguments = "[options] <revision>"
    static let summary = "Compacts the event history in etcd"
    static let flags = [
        FlagSpec("physical", .bool, "'true' to wait for compaction to physically remove all old revisions")
    ]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "compaction command needs 1 argument")
        }
        let text = context.positionals[0]
        guard let revision = Int64(text) else {
            throw CommandError(.error, "strconv.ParseInt: parsing \(GoText.quote(text)): invalid syntax")
        }
        let physical = try context.arguments.bool("physical")
        try await context.withClient { try await $0.compact(revision: revision, physical: physical) }
        context.print(context.printer.compaction(revision))
    }
}
