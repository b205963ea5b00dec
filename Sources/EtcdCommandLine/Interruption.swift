import Dispatch
import Foundation

/// Ctrl-C and `kill`: the work of a long-running command is cancelled, so that it leaves cleanly (a lock
/// released, a watch cancelled on the server) before the tool exits.
enum Interruption {
    /// Thrown when SIGINT or SIGTERM ended the work.
    struct Interrupted: Error {
        /// The signal.
        let signal: Int32

        /// The exit status of a process the signal ended: 128 + its number.
        var exitStatus: Int32 { 128 + signal }
    }

    /// The signals that interrupt a command.
    private static let signals = [SIGINT, SIGTERM]

    /// Runs `body` until it ends or the process gets SIGINT or SIGTERM; on a signal, `body` is cancelled, and this
    /// waits for it to finish its cleanup, then throws ``Interrupted``. A second signal while it cleans up ends the
    /// process at once. The signals' default actions are back when this returns.
    static func run<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let (received, continuation) = AsyncStream<Int32>.makeStream()
        let sources = signals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            for number in signals { signal(number, SIG_DFL) }
            continuation.finish()
        }
        let work = Task { try await body() }
        let watcher = Task { () -> Int32? in
            var first: Int32?
            for await number in received {
                if first != nil { exit(128 + number) }  // a second Ctrl-C: no more waiting for the cleanup
                first = number
                work.cancel()
            }
            return first
        }
        let result = await work.result
        continuation.finish()
        if let number = await watcher.value { throw Interrupted(signal: number) }
        return try result.get()
    }

    /// Runs `arguments` as a child process with `environment` added, sharing standard input, output and error, and
    /// returns its exit status (128 + the signal number when a signal ended it). When the calling task is cancelled
    /// (Ctrl-C), the child gets SIGTERM, and this still waits for it to exit.
    ///
    /// - Throws: ``CommandError`` when it cannot be started: `exec: "name": executable file not found in $PATH`.
    static func runChild(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        guard let executable = executablePath(arguments[0]) else {
            throw CommandError(.error, "exec: \(GoText.quote(arguments[0])): executable file not found in $PATH")
        }
        let child = try ChildProcess(
            executable: executable,
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            signals: signals
        )
        return await withTaskCancellationHandler {
            await child.waitForExit()
        } onCancel: {
            child.send(SIGTERM)
        }
    }

    /// The path of `name`: itself when it has a slash, else the first match on `PATH`.
    private static func executablePath(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
