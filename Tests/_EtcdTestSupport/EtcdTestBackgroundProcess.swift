import EtcdTesting
import Foundation
import _EtcdTransport

/// A process that runs alongside a test (such as `etcdctl lock`), whose output lines the test can wait for.
package final class EtcdTestBackgroundProcess: Sendable {
    private struct State {
        var lines: [String] = []
        var partial = ""
        var waiters: [(id: Int, count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiter = 0
        var exited = false
    }

    private let process: LockedValue<Process>
    private let state = LockedValue(State())

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
        self.process = LockedValue(process)
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

    /// Waits until the process printed at least `count` lines, exited, or `timeout` passed; returns the lines.
    package func waitForLines(_ count: Int, timeout: Duration = .seconds(15)) async -> [String] {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            let waiter = self?.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
        defer { timer.cancel() }
        _ = await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.lines.count >= count || state.exited { return true }
                state.waiters.append((id, count, continuation))
                return false
            }
            if done { continuation.resume(returning: true) }
        }
        return lines
    }

    /// Sends `signal` and waits for the process to exit.
    ///
    /// - Returns: its exit status (the signal's number when the signal ended it).
    @discardableResult
    package func stop(signal: Int32 = SIGTERM) -> Int32 {
        let process = process.withLock { $0 }
        if process.isRunning { kill(process.processIdentifier, signal) }
        return waitUntilExit()
    }

    /// Waits for the process to exit on its own.
    ///
    /// - Returns: its exit status.
    @discardableResult
    package func waitUntilExit() -> Int32 {
        let process = process.withLock { $0 }
        process.waitUntilExit()
        EtcdTestProcessReaper.shared.unregister(process.processIdentifier)
        return process.terminationStatus
    }

    /// Whether the process still runs.
    package var isRunning: Bool { process.withLock { $0.isRunning } }
}
