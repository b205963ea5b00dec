import Dispatch
import Foundation

/// Ctrl-C and `kill`: the work of a long-running command is cancelled, so that it leaves cleanly (a lock
/// released, a watch cancelled on the server) before the tool exits.
enum Interruption {
    /// Thrown when SIGINT or SIGTERM ended the work.
    struct Interrupted: Error {}

    /// Runs `body` until it ends or the process gets SIGINT or SIGTERM; on a signal, `body` is cancelled, and this
    /// waits for it to finish its cleanup, then throws ``Interrupted``.
    static func run<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            continuation.finish()
        }
        let work = Task { try await body() }
        let watcher = Task {
            for await _ in signals {
                work.cancel()
                return true
            }
            return false
        }
        let result = await work.result
        watcher.cancel()
        if await watcher.value { throw Interrupted() }
        return try result.get()
    }

    /// Runs `arguments` as a child process with `environment` added, sharing standard input, output and error, and
    /// returns its exit status (128 + the signal number when a signal ended it).
    ///
    /// - Throws: ``CommandError`` when it cannot be started.
    static func runChild(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { ended in
                let code =
                    ended.terminationReason == .uncaughtSignal ? 128 + ended.terminationStatus : ended.terminationStatus
                continuation.resume(returning: code)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: CommandError(.error, "cannot run \(arguments[0]): \(error)"))
            }
        }
        return status
    }
}
