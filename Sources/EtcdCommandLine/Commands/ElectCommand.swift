import EtcdClientCore
import EtcdConcurrency

/// `elect <election-name> [proposal]` campaigns; `elect -l <election-name>` observes.
enum ElectCommand: ToolCommand {
    static let path = ["elect"]
    static let arguments = "<election-name> [proposal]"
    static let summary = "Observes and participates in leader election"
    static let flags = [FlagSpec("listen", .bool, shorthand: "l", "observation mode")]

    static func run(_ context: CommandContext) async throws {
        let positionals = context.positionals
        guard positionals.count == 1 || positionals.count == 2 else {
            throw CommandError(.badArgs, "elect takes one election name argument and an optional proposal argument")
        }
        let listen = try context.arguments.bool("listen")
        if positionals.count == 1 && !listen { throw CommandError(.badArgs, "no proposal argument but -l not set") }
        if positionals.count == 2 && listen { throw CommandError(.badArgs, "proposal given but -l is set") }
        let printer = context.printer
        let acquired = Flag()
        do {
            try await context.withClient { client in
                try await Interruption.run {
                    try await client.withSession { session in
                        let election = EtcdElection(session: session, name: positionals[0])
                        if listen {
                            try await observe(election, client: client, printer: printer, context)
                        } else {
                            try await election.campaign(value: positionals[1]) { leadership in
                                let leader = try await client.get(EtcdGetRequest(.key(leadership.key)))
                                context.print(try printer.get(leader))
                                acquired.set()
                                try await LockCommand.waitUntilCancelled(session, message: "elect: session expired")
                            }
                        }
                    }
                }
            }
        } catch is Interruption.Interrupted {
            // Ctrl-C: a leader resigned on the way out and ends well; a campaign still waiting was cancelled.
            if listen || acquired.isSet { return }
            throw CommandError(.error, "context canceled")
        }
    }

    private static func observe(
        _ election: EtcdElection,
        client: EtcdClient,
        printer: ResponsePrinter,
        _ context: CommandContext
    ) async throws {
        try await election.observe { changes in
            for try await change in changes {
                guard case .leader(let leader) = change else { continue }
                if printer.format == .simple {
                    context.print(printer.simple(leader))
                } else {
                    // The other formats print a read's header too: the leader key read now.
                    context.print(try printer.get(try await client.get(EtcdGetRequest(.key(leader.key)))))
                }
            }
        }
        throw CommandError(.error, "elect: observer lost")
    }
}
