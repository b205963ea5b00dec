import EtcdClientCore
import EtcdConcurrency
import _EtcdTransport

/// `lock <lockname> [exec-command arg1 arg2 ...]`: holds a mutex compatible with etcdctl's and Go's.
enum LockCommand: ToolCommand {
    static let path = ["lock"]
    static let arguments = "<lockname> [exec-command arg1 arg2 ...]"
    static let summary = "Acquires a named lock"
    static let flags = [FlagSpec("ttl", .int, default: "10", "timeout for session")]
    static let flagsEndAfter: Int? = 1

    static func run(_ context: CommandContext) async throws {
        guard let name = context.positionals.first else {
            throw CommandError(.badArgs, "lock takes a lock name argument and an optional command to execute")
        }
        let command = Array(context.positionals.dropFirst())
        let ttl = try context.arguments.int("ttl")
        let status: Int32
        let acquired = Flag()
        do {
            status = try await hold(name, command: command, ttl: ttl, acquired: acquired, context)
        } catch is Interruption.Interrupted {
            // Ctrl-C: a held lock was released on the way out and ends well; a wait for it was cancelled.
            if acquired.isSet { return }
            throw CommandError(.error, "context canceled")
        }
        if status != 0 { throw ExitStatus(code: status) }
    }

    private static func hold(
        _ name: String,
        command: [String],
        ttl: Int64,
        acquired: Flag,
        _ context: CommandContext
    ) async throws -> Int32 {
        let printer = context.printer
        return try await context.withClient { client in
            try await Interruption.run {
                try await client.withSession(ttl: .seconds(ttl)) { session in
                    try await EtcdMutex(session: session, name: name).withLock { ownership in
                        acquired.set()
                        guard !command.isEmpty else {
                            context.print(try printer.get(try await client.get(EtcdGetRequest(.key(ownership.key)))))
                            try await waitUntilCancelled(session, message: "session expired")
                            return Int32(0)
                        }
                        return try await Interruption.runChild(
                            command,
                            environment: [
                                "ETCD_LOCK_KEY": ownership.key.stringValue ?? "",
                                "ETCD_LOCK_REV": String(ownership.header.revision),
                            ]
                        )
                    }
                }
            }
        }
    }

    /// Returns when the task is cancelled (Ctrl-C), or throws `message` (etcdctl's) when the session ends first.
    static func waitUntilCancelled(_ session: EtcdSession, message: String) async throws {
        _ = try await session.waitUntilEnded()
        throw CommandError(.error, message)
    }
}

/// The exit status of a command the tool ran, passed on as its own.
struct ExitStatus: Error {
    let code: Int32
}

/// Set once, read from another task: whether a lock or leadership was acquired before Ctrl-C.
final class Flag: Sendable {
    private let value = LockedValue(false)

    /// Whether it was set.
    var isSet: Bool { value.withLock { $0 } }

    /// Sets it.
    func set() { value.withLock { $0 = true } }
}
