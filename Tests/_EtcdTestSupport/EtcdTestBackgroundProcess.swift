import Foundation
import Synchronization

/// A process that runs alongside a test (such as `etcdctl lock`), whose output lines the test can wait for.
package final class EtcdTestBackgroundProcess: Sendable {
    private struct State {
        var lines: [String] = []
        var partial = ""
        var waiters: [(count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var exited = false
    }

    private let process: Mutex<Process>
    private let state = Mutex(State())

    /// Starts `name` (found as ``EtcdTestBinaries/path(of:package:)`` finds it) with `arguments`.
    package convenience init(
        _ name: String,
        package: String,
        arguments: [String],
        environment: [String: String] = [:]
    ) throws {
        try self.init(
            path: try EtcdTestBinaries.path(of: name, package: package),
            arguments: arguments,
            environment: environment
        )
    }

    /// Starts the executable at `path` with `arguments`.
    package init(path: String, arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        EtcdTestProcessReaper.shared.register(process.processIdentifier)
        self.process = Mutex(process)
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            guard let self else { return }
            let data = handle.availableData
            let ready = self.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                if data.isEmpty {
                    state.exited = true
                } else {
                    state.partial += String(decoding: data, as: UTF8.self)
                    while let newline = state.partial.firstIndex(of: "\n") {
                        state.lines.append(String(state.partial[..<newline]))
                        state.partial = String(state.partial[state.partial.index(after: newline)...])
                    }
                }
                let count = state.lines.count
                let exited = state.exited
                let ready = state.waiters.filter { $0.count <= count || exited }
                state.waiters.removeAll { $0.count <= count || exited }
                return ready.map(\.continuation)
            }
            if data.isEmpty { handle.readabilityHandler = nil }
            for waiter in ready { waiter.resume(returning: true) }
        }
    }

    /// The lines printed so far.
    package var lines: [String] { state.withLock { $0.lines } }

    /// Waits until the process printed at least `count` lines (or exited); returns the lines.
    package func waitForLines(_ count: Int) async -> [String] {
        _ = await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.lines.count >= count || state.exited { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if done { continuation.resume(returning: true) }
        }
        return lines
    }

    /// Sends `signal` and waits for the process to exit.
    package func stop(signal: Int32 = SIGTERM) {
        let process = process.withLock { $0 }
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        EtcdTestProcessReaper.shared.unregister(process.processIdentifier)
    }

    /// Whether the process still runs.
    package var isRunning: Bool { process.withLock { $0.isRunning } }
}
