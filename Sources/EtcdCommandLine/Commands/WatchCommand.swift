import EtcdClientCore

/// `watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]`.
enum WatchCommand: ToolCommand {
    static let path = ["watch"]
    static let arguments = "[options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]"
    static let summary = "Watches events stream on keys or prefixes"
    static let flags = [
        FlagSpec("prefix", .bool, "Watch on a prefix if prefix is set"),
        FlagSpec("rev", .int, default: "0", "Revision to start watching"),
        FlagSpec("prev-kv", .bool, "get the previous key-value pair before the event happens"),
        FlagSpec("progress-notify", .bool, "get periodic watch progress notification from server"),
    ]

    static func run(_ context: CommandContext) async throws {
        var keyArguments = context.positionals
        let separator = context.arguments.commandAfterSeparator
        let command = separator.map { Array(context.positionals.dropFirst($0)) } ?? []
        if let separator { keyArguments = Array(context.positionals.prefix(separator)) }
        if separator != nil && command.isEmpty {
            throw CommandError(.badArgs, "bad number of arguments (found separator --, but no commands)")
        }
        if keyArguments.isEmpty, let key = context.environment["ETCDCTL_WATCH_KEY"] {
            keyArguments = [key] + (context.environment["ETCDCTL_WATCH_RANGE_END"].map { [$0] } ?? [])
        }
        guard (1...2).contains(keyArguments.count) else {
            throw CommandError(.badArgs, "bad number of arguments")
        }
        let prefix = try context.arguments.bool("prefix")
        if keyArguments.count == 2 && prefix {
            throw CommandError(.badArgs, "`range_end` and `--prefix` are mutually exclusive")
        }
        let range = try KeyRangeArguments.range(keyArguments, prefix: prefix, fromKey: false)
        let revision = try context.arguments.int("rev")
        let request = EtcdWatchRequest(
            range,
            startRevision: revision > 0 ? revision : nil,
            includePrevious: try context.arguments.bool("prev-kv"),
            progressNotifications: try context.arguments.bool("progress-notify")
        )
        do {
            try await watch(request, command: command, context)
        } catch let error as EtcdError where error.code != .clientClosed {
            // The server ended the watch (a compacted start revision, ...): etcdctl's report.
            context.output.err("watch was canceled (\(error.message))\n")
        }
        throw CommandError(.interrupted, "watch is canceled by the server")
    }

    private static func watch(_ request: EtcdWatchRequest, command: [String], _ context: CommandContext) async throws {
        let printer = context.printer
        try await context.withClient { client in
            try await Interruption.run {
                try await client.watch(request) { responses in
                    for try await response in responses {
                        if response.isProgressNotification {
                            context.print("progress notify: \(response.header.revision)\n")
                        }
                        context.print(try printer.watch(response))
                        for event in response.events where !command.isEmpty {
                            try await runCommand(command, for: event, revision: response.header.revision)
                        }
                    }
                }
            }
        }
    }

    /// Runs the command of `watch ... -- command` for one event, with etcdctl's variables.
    private static func runCommand(_ command: [String], for event: EtcdWatchEvent, revision: Int64) async throws {
        let status = try await Interruption.runChild(
            command,
            environment: [
                "ETCD_WATCH_REVISION": String(revision),
                "ETCD_WATCH_EVENT_TYPE": GoText.quote(event.kind == .put ? "PUT" : "DELETE"),
                "ETCD_WATCH_KEY": GoText.quote(event.keyValue.key.bytes),
                "ETCD_WATCH_VALUE": GoText.quote(event.keyValue.value),
            ]
        )
        if status != 0 {
            let words = command.map { GoText.quote($0) }.joined(separator: " ")
            TerminalOutput().err("command [\(words)] error (exit status \(status))\n")
            throw ExitStatus(code: ExitCode.error.rawValue)
        }
    }
}
