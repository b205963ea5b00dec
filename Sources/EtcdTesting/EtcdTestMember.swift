import EtcdClientCore
import Foundation
import _EtcdTransport

/// One real `etcd` process of an ``EtcdTestCluster``, on loopback ports with a temporary data directory, which a
/// test can kill, pause, resume and restart.
public final class EtcdTestMember: Sendable {
    /// The member's name in the cluster.
    public let name: String
    /// The client port on 127.0.0.1.
    public let clientPort: Int
    /// The peer port on 127.0.0.1.
    public let peerPort: Int
    /// The plain-text port that serves `/health` and `/metrics`: the client port, unless clients use TLS.
    public let healthPort: Int
    /// The member's own directory (its etcd data and `etcd.log`), removed by ``EtcdTestCluster/stop()``.
    public let dataDirectory: URL
    private let arguments: [String]
    private let process = LockedValue<Process?>(nil)

    init(name: String, clientPort: Int, peerPort: Int, healthPort: Int, dataDirectory: URL, arguments: [String]) {
        self.name = name
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.healthPort = healthPort
        self.dataDirectory = dataDirectory
        self.arguments = arguments
    }

    /// The command line of a plain member: `--data-dir` is `data` inside `dataDirectory`, with short raft timings
    /// and warnings-only logs.
    static func arguments(
        name: String,
        dataDirectory: URL,
        clientURL: String,
        peerPort: Int,
        advertisedPeerPort: Int,
        initialCluster: String,
        token: String,
        state: String
    ) -> [String] {
        [
            "--name", name,
            "--data-dir", dataDirectory.appendingPathComponent("data").path,
            "--listen-client-urls", clientURL,
            "--advertise-client-urls", clientURL,
            "--listen-peer-urls", "http://127.0.0.1:\(peerPort)",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(advertisedPeerPort)",
            "--initial-cluster", initialCluster,
            "--initial-cluster-token", token,
            "--initial-cluster-state", state,
            "--heartbeat-interval", "25",
            "--election-timeout", "250",
            "--logger", "zap",
            "--log-level", "warn",
        ]
    }

    /// A member that starts from a data directory made by `etcdctl snapshot restore` into `dataDirectory/data`
    /// with `name` and peer URL `http://127.0.0.1:<peerPort>`; not started.
    package static func restored(name: String, dataDirectory: URL, peerPort: Int) throws -> EtcdTestMember {
        try plain(
            name: name,
            dataDirectory: dataDirectory,
            peerPort: peerPort,
            initialCluster: "\(name)=http://127.0.0.1:\(peerPort)",
            state: "new"
        )
    }

    /// A plain-text member on a free client port with peer URL `http://127.0.0.1:<peerPort>`; not started.
    static func plain(
        name: String,
        dataDirectory: URL,
        peerPort: Int,
        initialCluster: String,
        state: String
    ) throws -> EtcdTestMember {
        let clientPort = try EtcdTestFreePort.one()
        return EtcdTestMember(
            name: name,
            clientPort: clientPort,
            peerPort: peerPort,
            healthPort: clientPort,
            dataDirectory: dataDirectory,
            arguments: arguments(
                name: name,
                dataDirectory: dataDirectory,
                clientURL: "http://127.0.0.1:\(clientPort)",
                peerPort: peerPort,
                advertisedPeerPort: peerPort,
                initialCluster: initialCluster,
                token: "swift-etcd-test-\(name)",
                state: state
            )
        )
    }

    /// The member's client endpoint.
    public var endpoint: EtcdEndpoint { .hostname("127.0.0.1", port: clientPort) }

    /// The client URL, as etcdctl takes it.
    public var clientURL: String { "http://127.0.0.1:\(clientPort)" }

    /// The process ID while it runs; `nil` before ``start()`` and after the process ended.
    public var processIdentifier: Int32? {
        process.withLock { $0?.isRunning == true ? $0?.processIdentifier : nil }
    }

    /// Starts the process (again, after ``stop()`` or ``kill()``: same name, ports and data).
    ///
    /// - Throws: ``EtcdTestingError`` when `etcd` is not installed; what starting a process throws.
    public func start() throws {
        let binary = try EtcdTestBinaries.path(of: "etcd", package: "etcd-server")
        let newProcess = Process()
        newProcess.executableURL = URL(fileURLWithPath: binary)
        newProcess.arguments = arguments
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let logURL = dataDirectory.appendingPathComponent("etcd.log")
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        newProcess.standardOutput = log
        newProcess.standardError = log
        newProcess.standardInput = FileHandle.nullDevice
        try newProcess.run()
        EtcdTestProcessReaper.shared.register(newProcess.processIdentifier)
        process.withLock { $0 = newProcess }
    }

    /// Waits until the member answers `/health` with `true`.
    ///
    /// - Throws: ``EtcdTestingError`` when the process exits or `timeout` passes first, with the end of its log.
    public func waitUntilHealthy(timeout: Duration = .seconds(20)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let body = EtcdTestHTTP.get(port: healthPort, path: "/health"), body.contains("\"health\":\"true\"") {
                return
            }
            guard processIdentifier != nil else {
                throw EtcdTestingError("etcd member \(name) exited while starting; log: \(logTail())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw EtcdTestingError("etcd member \(name) did not become healthy within \(timeout); log: \(logTail())")
    }

    /// Stops the process with SIGTERM and waits for it to exit.
    public func stop() {
        signalAndWait(SIGTERM)
    }

    /// Kills the process with SIGKILL and waits for it to exit.
    public func kill() {
        signalAndWait(SIGKILL)
    }

    /// Freezes the process with SIGSTOP: it keeps its sockets open but answers nothing. Returns once every
    /// thread of the process has stopped.
    public func pause() {
        guard let pid = processIdentifier else { return }
        Foundation.kill(pid, SIGSTOP)
        // The signal is delivered asynchronously: a request sent right after kill() returns could still be
        // served. Wait until every thread of the process shows the stopped state.
        let deadline = ContinuousClock.now + .seconds(5)
        while !Self.allThreadsStopped(pid) && ContinuousClock.now < deadline { usleep(1_000) }
    }

    /// Whether every thread of process `pid` is stopped (state `T` in `/proc/<pid>/task/<tid>/stat`).
    private static func allThreadsStopped(_ pid: Int32) -> Bool {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else {
            return false
        }
        return threads.allSatisfy { thread in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return false }
            return stat[afterName.upperBound...].first == "T"
        }
    }

    /// Resumes a paused process with SIGCONT.
    public func resume() {
        if let pid = processIdentifier { Foundation.kill(pid, SIGCONT) }
    }

    /// Reads one Prometheus metric's value from the member's `/metrics`, such as `etcd_server_is_leader`; `nil`
    /// when the member does not answer or has no such metric (or only labelled ones).
    public func metric(_ name: String) -> Double? {
        guard let body = EtcdTestHTTP.get(port: healthPort, path: "/metrics") else { return nil }
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    private func signalAndWait(_ signal: Int32) {
        guard let running = process.withLock({ $0 }) else { return }
        if running.isRunning {
            Foundation.kill(running.processIdentifier, SIGCONT)
            Foundation.kill(running.processIdentifier, signal)
        }
        running.waitUntilExit()
        EtcdTestProcessReaper.shared.unregister(running.processIdentifier)
    }

    /// The last 2,000 bytes of the member's log, for failure messages.
    public func logTail() -> String {
        let logURL = dataDirectory.appendingPathComponent("etcd.log")
        guard let data = try? Data(contentsOf: logURL) else { return "<no log>" }
        return String(decoding: data.suffix(2_000), as: UTF8.self)
    }
}
