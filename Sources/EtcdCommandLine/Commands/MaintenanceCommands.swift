import EtcdClientCore
import Foundation

/// `alarm list`.
enum AlarmListCommand: ToolCommand {
    static let path = ["alarm", "list"]
    static let arguments = ""
    static let summary = "Lists all alarms"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.isEmpty else {
            throw CommandError(.badArgs, "alarm list command accepts no arguments")
        }
        let (header, alarms) = try await context.withClient { try await $0.alarmsWithHeader() }
        context.print(try context.printer.alarms(header, alarms))
    }
}

/// `alarm disarm`: clears every alarm.
enum AlarmDisarmCommand: ToolCommand {
    static let path = ["alarm", "disarm"]
    static let arguments = ""
    static let summary = "Disarms all alarms"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.isEmpty else {
            throw CommandError(.badArgs, "alarm disarm command accepts no arguments")
        }
        let (header, cleared) = try await context.withClient { client in
            let (header, alarms) = try await client.alarmsWithHeader()
            var cleared: [EtcdAlarm] = []
            for alarm in alarms { cleared += try await client.disarm(alarm) }
            return (header, cleared)
        }
        context.print(try context.printer.alarms(header, cleared))
    }
}

/// `move-leader <transferee-member-id>`.
enum MoveLeaderCommand: ToolCommand {
    static let path = ["move-leader"]
    static let arguments = "<transferee-member-id>"
    static let summary = "Transfers leadership to another etcd cluster member."

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "move-leader command needs 1 argument")
        }
        let text = context.positionals[0]
        guard let target = UInt64(text, radix: 16) else {
            throw CommandError(.badArgs, "strconv.ParseUint: parsing \(GoText.quote(text)): invalid syntax")
        }
        let (leader, header) = try await context.withClient { client in
            let leader = try await client.status().leader
            return (leader, try await client.moveLeader(to: target))
        }
        switch context.printer.format {
        case .simple:
            context.print("Leadership transferred from \(GoText.hex(leader)) to \(GoText.hex(target))\n")
        case .json: context.print(context.printer.line(ResponsePrinter.optionalHeaderObject(header)))
        case .fields, .table, .protobuf: throw context.printer.format.unsupported
        }
    }
}

/// `snapshot save <filename>`.
enum SnapshotSaveCommand: ToolCommand {
    static let path = ["snapshot", "save"]
    static let arguments = "<filename>"
    static let summary = "Stores an etcd node backend snapshot to a given file"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "snapshot save expects one argument")
        }
        let path = context.positionals[0]
        // As etcdctl: no time limit unless --command-timeout is given.
        let timeout: Duration? =
            context.arguments.isSet("command-timeout")
            ? try context.arguments.duration("command-timeout") : nil
        let endpoints = context.arguments.list("endpoints")
        guard endpoints.count == 1 else {
            let list = "[" + endpoints.joined(separator: " ") + "]"
            throw CommandError(.interrupted, "snapshot must be requested to one selected node, not multiple \(list)")
        }
        let endpoint = try context.endpoint(endpoints[0])
        let bar = SnapshotProgressBar(output: context.output)
        do {
            try await context.withClient { client in
                var options = client.configuration.defaultCallOptions
                options.timeout = timeout
                let size = try await client.saveSnapshot(to: path, at: endpoint, options: options) { bar.show($0) }
                bar.finish(size)
            }
        } catch let error as EtcdError {
            bar.finish(nil)
            throw CommandError(.interrupted, error.message)
        }
        context.print("Snapshot saved at \(path)\n")
    }
}

/// The bytes received so far, on one line of standard error, when it is a terminal.
final class SnapshotProgressBar: Sendable {
    private let output: TerminalOutput
    private let enabled: Bool

    init(output: TerminalOutput) {
        self.output = output
        enabled = output.errorIsTerminal
    }

    func show(_ bytes: Int) {
        guard enabled else { return }
        output.err("\rreceiving snapshot: \(GoText.humanBytes(Int64(bytes)))   ")
    }

    func finish(_ bytes: Int?) {
        guard enabled else { return }
        output.err(bytes.map { "\rreceived snapshot: \(GoText.humanBytes(Int64($0)))   \n" } ?? "\n")
    }
}
