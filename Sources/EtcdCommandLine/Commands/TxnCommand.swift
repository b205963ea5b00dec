import EtcdClientCore

/// `txn [options]`: a transaction read from standard input.
enum TxnCommand: ToolCommand {
    static let path = ["txn"]
    static let arguments = "[options]"
    static let summary = "Txn processes all the requests in one transaction"
    static let flags = [FlagSpec("interactive", .bool, shorthand: "i", "Input transaction in interactive mode")]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.isEmpty else { throw CommandError(.badArgs, "txn command does not accept argument") }
        let interactive = try context.arguments.bool("interactive")
        let script = TxnScript { readLine(strippingNewline: false) }
        let request = try script.transaction { prompt in if interactive { context.print(prompt + "\n") } }
        let response = try await context.withClient { try await $0.txn(request) }
        context.print(try context.printer.txn(response))
    }
}
