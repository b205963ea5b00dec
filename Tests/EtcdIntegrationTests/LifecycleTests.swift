import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

/// Opens and closes a client three times, each time with 100 puts at once, and exits the process with 0 when
/// threads, sockets and pipes are back where they were after every close (2 or 3 when not).
private func exitAfterOpeningAndClosing(_ configuration: EtcdClient.Configuration) async throws -> Never {
    let before = EtcdTestResources.current()
    for round in 0..<3 {
        let etcd = try EtcdClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask { try await etcd.put(EtcdKey("lifecycle/\(round)/\(index)"), value: "v") }
            }
            try await group.waitForAll()
        }
        let during = EtcdTestResources.current()
        guard during.ioThreads == before.ioThreads + 1, during.sockets == before.sockets + 1 else {
            print("while open: \(during), before: \(before)")
            exit(2)
        }
        await etcd.close()
        // close() has joined the I/O thread, but the kernel may list a joined thread for a moment after its exit;
        // a leak stays, so the counts get a second to come back.
        let after = await EtcdTestResources.settle(to: before, within: .seconds(1))
        guard after == before else {
            print("after close: \(after), before: \(before)")
            exit(3)
        }
    }
    exit(0)
}

/// Opens a client, makes a call and releases it without closing it; exits with 0 when its I/O thread and socket
/// are gone within five seconds and the log says why (2 or 3 when not).
private func exitAfterReleasingWithoutClose(port: Int) async throws -> Never {
    let before = EtcdTestResources.current()
    let recorder = EtcdTestLogRecorder()
    do {
        var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1", port: port)])
        configuration.logSink = recorder.sink
        let etcd = try EtcdClient(configuration: configuration)
        try await etcd.put("lifecycle/released", value: "v")
        guard EtcdTestResources.current().ioThreads == before.ioThreads + 1 else { exit(2) }
    }
    guard await EtcdTestResources.settle(to: before) == before else { exit(3) }
    guard !recorder.records("an EtcdClient was released without close(); closing it now").isEmpty else { exit(4) }
    exit(0)
}

@Suite("Closing a client releases everything", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("threads, sockets and pipes come back to where they were after close")
    func closeReleasesResources() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let port = cluster.members[0].clientPort
        // In a child process, so that other tests running in parallel do not change the counts.
        await #expect(processExitsWith: .success) { [port = port as Int] in
            var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1", port: port)])
            configuration.connectTimeout = .seconds(2)
            try await exitAfterOpeningAndClosing(configuration)
        }
    }

    @Test("over mutual TLS too, threads, sockets and pipes come back to where they were after close")
    func closeReleasesTLSResources() async throws {
        let certificates = try EtcdTestCertificates()
        defer { certificates.remove() }
        try await withEtcdTestCluster(certificates: certificates) { cluster in
            let port = cluster.members[0].clientPort
            let files = [certificates.caFile, certificates.clientCertificateFile, certificates.clientKeyFile]
            await #expect(processExitsWith: .success) { [port = port as Int, files = files as [String]] in
                var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1", port: port)])
                configuration.connectTimeout = .seconds(2)
                configuration.tls = EtcdTLS(trustedCAFile: files[0], certificateFile: files[1], keyFile: files[2])
                try await exitAfterOpeningAndClosing(configuration)
            }
        }
    }

    @Test("a client released without close() closes itself and says so in the log")
    func releasedClientClosesItself() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let port = cluster.members[0].clientPort
        await #expect(processExitsWith: .success) { [port = port as Int] in
            try await exitAfterReleasingWithoutClose(port: port)
        }
    }

    @Test("close() returns once every task of the client and its recipes has ended; closing twice at once is safe")
    func closeWaitsForEveryTask() async throws {
        let cluster = try await SharedEtcd.shared.get()
        var configuration = cluster.clientConfiguration
        configuration.autoSyncInterval = .seconds(30)
        let etcd = try EtcdClient(configuration: configuration)
        let prefix = SharedEtcd.uniquePrefix("close-waits")
        // A watch, a keep-alive, a session and a lock wait: each runs tasks of its own.
        let watching = Task {
            try await etcd.watch(.prefix(EtcdKey(prefix + "watched/"))) { responses in
                for try await _ in responses {}
            }
        }
        let holder = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
        let waiter = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
        let held = EtcdMutex(session: holder, name: prefix + "lock")
        try await held.lock()
        let waiting = Task { try await EtcdMutex(session: waiter, name: prefix + "lock").lock() }
        while try await etcd.get(.prefix(EtcdKey(prefix + "lock/"))).keyValues.count < 2 {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(etcd.backgroundTasks.count > 0)

        async let first: Void = etcd.close()
        async let second: Void = etcd.close()
        _ = await (first, second)
        #expect(etcd.backgroundTasks.count == 0, "tasks still running after close()")
        let watchError = await #expect(throws: EtcdError.self) { try await watching.value }
        #expect(watchError?.code == .clientClosed)
        await #expect(throws: EtcdError.self) { try await waiting.value }
        let later = await #expect(throws: EtcdError.self) { try await etcd.get("any") }
        #expect(later?.code == .clientClosed)
    }

    @Test("run() returns when the client closes, and cancelling it closes the client")
    func runFollowsTheClient() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let closedElsewhere = try EtcdClient(configuration: cluster.clientConfiguration)
        let running = Task { await closedElsewhere.run() }
        try await closedElsewhere.put("lifecycle/run", value: "v")
        await closedElsewhere.close()
        await running.value

        let cancelled = try EtcdClient(configuration: cluster.clientConfiguration)
        let service = Task { await cancelled.run() }
        #expect(try await cancelled.get("lifecycle/run")?.stringValue == "v")
        service.cancel()
        await service.value
        let error = await #expect(throws: EtcdError.self) { try await cancelled.get("lifecycle/run") }
        #expect(error?.code == .clientClosed)
        #expect(cancelled.backgroundTasks.count == 0)
    }
}
