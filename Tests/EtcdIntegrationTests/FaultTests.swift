import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Broken peers and server faults", .timeLimit(.minutes(1)))
struct FaultTests {
    private func configuration(
        port: Int,
        keepalive: EtcdClient.Keepalive = EtcdClient.Keepalive()
    ) -> EtcdClient.Configuration {
        var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1", port: port)])
        configuration.connectTimeout = .seconds(2)
        configuration.keepalive = keepalive
        configuration.defaultCallOptions.timeout = nil
        return configuration
    }

    @Test("garbage bytes instead of HTTP/2 give a typed connection error at once")
    func garbageBytes() async throws {
        let server = try EtcdTestFaultyServer(
            behavior: .send(Array("HTTP/1.1 400 Bad Request\r\n\r\nnot http2 at all".utf8))
        )
        defer { server.stop() }
        try await withEtcdClient(configuration: configuration(port: server.port)) { etcd in
            // Calls wait for the server's first bytes, and these are not HTTP/2: no request went out, so even a
            // write is known not to be applied.
            let write = try await #require(throws: EtcdError.self) { try await etcd.put(EtcdKey("k"), value: "v") }
            #expect(write.code == .connectionFailed)
            #expect(write.requestNotSent)
            #expect(write.endpoint == "127.0.0.1:\(server.port)")
            #expect(write.message.contains("HTTP/2"), "\(write)")
            // A read is tried again, then fails with the connection error.
            let read = try await #require(throws: EtcdError.self) { try await etcd.get(EtcdKey("k")) }
            #expect(read.code == .connectionFailed)
            #expect(read.message.contains("HTTP/2"), "\(read)")
        }
    }

    @Test("calls to a dead endpoint arriving during a long backoff each end within their own deadline")
    func deadlinesDuringBackoff() async throws {
        let port = try EtcdTestFreePort.one()
        try await withEtcdClient(configuration: configuration(port: port)) { etcd in
            let clock = ContinuousClock()
            // Callers arrive one every 100 ms for 3 s, while the reconnect backoff grows towards its 2 s cap; a
            // caller must not sleep through its 1 s deadline waiting for the next attempt.
            let outcomes = try await withThrowingTaskGroup(of: (Duration, EtcdError?).self) { group in
                for index in 0..<30 {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(100 * index))
                        let start = clock.now
                        do {
                            _ = try await etcd.get(
                                EtcdGetRequest(.key(EtcdKey("k\(index)"))),
                                options: EtcdClient.CallOptions(timeout: .seconds(1))
                            )
                            return (clock.now - start, nil)
                        } catch let error as EtcdError {
                            return (clock.now - start, error)
                        }
                    }
                }
                return try await group.reduce(into: [(Duration, EtcdError?)]()) { $0.append($1) }
            }
            #expect(outcomes.count == 30)
            #expect(outcomes.allSatisfy { $0.1?.code == .connectionFailed }, "\(outcomes.map(\.1))")
            #expect(outcomes.allSatisfy { $0.0 < .milliseconds(1_300) }, "\(outcomes.map(\.0).max()!)")
        }
    }

    /// A client whose first endpoint is `server` and whose second is the shared etcd.
    private func configuration(firstTrying server: EtcdTestFaultyServer) async throws -> EtcdClient.Configuration {
        var configuration = try await SharedEtcd.shared.get().clientConfiguration
        configuration.endpoints.insert(.hostname("127.0.0.1", port: server.port), at: 0)
        return configuration
    }

    @Test("a GOAWAY that refuses the call's stream: even a write moves to the next endpoint, applied once")
    func goAwayBeforeTheRequest() async throws {
        let server = try EtcdTestFaultyServer(behavior: .goAwayAtOnce)
        defer { server.stop() }
        var configuration = try await configuration(firstTrying: server)
        let records = EtcdTestLogRecorder()
        configuration.logSink = records.sink
        let key = EtcdKey(SharedEtcd.uniquePrefix("goaway-refused") + "k")
        try await withEtcdClient(configuration: configuration) { etcd in
            let put = try await etcd.put(key, value: "v")
            let stored = try await etcd.get(.key(key))
            #expect(stored.keyValues.first?.version == 1)
            #expect(stored.keyValues.first?.modRevision == put.header.revision)
        }
        let failovers = records.records("failing over to the next endpoint")
        #expect(
            failovers.contains {
                $0.metadata["endpoint"] == "127.0.0.1:\(server.port)"
                    && $0.metadata["reason"]?.contains("GOAWAY") == true
            },
            "\(failovers)"
        )
    }

    @Test("a GOAWAY after the server took the request: a read moves on, a write is not sent again")
    func goAwayAfterTheRequest() async throws {
        let server = try EtcdTestFaultyServer(behavior: .goAwayAfterFirstRequest)
        defer { server.stop() }
        let configuration = try await configuration(firstTrying: server)
        let key = EtcdKey(SharedEtcd.uniquePrefix("goaway-taken") + "k")
        try await withEtcdClient(configuration: configuration) { etcd in
            // The server may have applied it (it said so by its GOAWAY's last stream): the caller is told.
            let error = try await #require(throws: EtcdError.self) { try await etcd.put(key, value: "v") }
            #expect(error.code == .outcomeUnknown, "\(error)")
            #expect(!error.requestNotSent)
        }
        try await withEtcdClient(configuration: configuration) { etcd in
            // The same fault on a read: it is sent again, to etcd, which never saw the write.
            let value = try await etcd.get(key)
            #expect(value == nil)
        }
        try await withEtcdClient(configuration: configuration) { etcd in
            // Listing alarms is a read, though its method also raises and clears them: sent again too.
            let alarms = try await etcd.alarms()
            #expect(alarms.isEmpty)
        }
    }

    @Test("every endpoint down: callers and a watch wait out a capped backoff instead of reconnecting in a loop")
    func everyEndpointDown() async throws {
        var configuration = EtcdClient.Configuration(
            endpoints: try (0..<3).map { _ in .hostname("127.0.0.1", port: try EtcdTestFreePort.one()) }
        )
        let records = EtcdTestLogRecorder()
        configuration.logSink = records.sink
        configuration.logLevel = .debug
        try await withEtcdClient(configuration: configuration) { etcd in
            let watch = Task { try await etcd.watch(.prefix("down/")) { responses in for try await _ in responses {} } }
            defer { watch.cancel() }
            // A caller that tries again at once, for three seconds.
            let clock = ContinuousClock()
            let end = clock.now + .seconds(3)
            var failures: [EtcdError] = []
            while clock.now < end {
                do {
                    _ = try await etcd.get(
                        EtcdGetRequest(.key("down/k")),
                        options: EtcdClient.CallOptions(timeout: .milliseconds(300))
                    )
                } catch let error as EtcdError {
                    failures.append(error)
                }
            }
            #expect(!failures.isEmpty)
            #expect(failures.allSatisfy { $0.code == .connectionFailed && $0.requestNotSent }, "\(Set(failures))")
        }
        // After a first round over the three endpoints, each failed attempt waits a jittered backoff whose
        // ceiling doubles up to 2 s: nine attempts in three seconds were measured, where a loop without backoff
        // would make thousands. The client keeps trying all the same.
        let attempts = records.records("connecting").count
        #expect(attempts >= 6 && attempts <= 45, "\(attempts) connection attempts")
        let waits = records.records("every endpoint failed; waiting before the next attempt")
        #expect(waits.count >= 3)
        // The waits ("0.0213 seconds") never exceed the 2 s cap.
        let backoffs = waits.compactMap { $0.metadata["backoff"]?.split(separator: " ").first.flatMap { Double($0) } }
        #expect(backoffs.count == waits.count && backoffs.allSatisfy { $0 > 0 && $0 <= 2 }, "\(backoffs)")
    }

    /// A fake etcd that refuses its first `count` requests as etcd does when its apply loop lags its log
    /// (RESOURCE_EXHAUSTED, `etcdserver: too many requests`), then answers each with an empty response.
    private func overloadedServer(refusingFirst count: Int) throws -> EtcdTestFaultyServer {
        try EtcdTestFaultyServer(
            behavior: .refuseFirst(count, status: 8, message: "etcdserver: too many requests", answer: [])
        )
    }

    @Test("a write refused as too many requests (nothing applied) is sent again after growing pauses")
    func overloadedMemberRetried() async throws {
        let server = try overloadedServer(refusingFirst: 3)
        defer { server.stop() }
        try await withEtcdClient(configuration: configuration(port: server.port)) { etcd in
            let clock = ContinuousClock()
            let start = clock.now
            _ = try await etcd.put("overloaded/k", value: "v")
            #expect(server.refusals == 3)
            // Three pauses, each at least half of 25, 50 and 100 ms: not a busy loop.
            #expect(clock.now - start >= .milliseconds(87))
        }
    }

    @Test("a member that stays overloaded: the caller gets tooManyRequests within its deadline, marked not applied")
    func overloadedMemberGivesUp() async throws {
        let server = try overloadedServer(refusingFirst: 1_000)
        defer { server.stop() }
        try await withEtcdClient(configuration: configuration(port: server.port)) { etcd in
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.put(
                    EtcdPutRequest("overloaded/k", value: "v"),
                    options: EtcdClient.CallOptions(timeout: .seconds(1))
                )
            }
            #expect(error.code == .tooManyRequests)
            #expect(error.requestNotSent, "the server refused it before acting on it")
            #expect(clock.now - start < .milliseconds(1_300))
            #expect((2...9).contains(server.refusals), "\(server.refusals) refusals")
        }
    }

    @Test("a server that closes the connection gives a typed connection error")
    func closedByServer() async throws {
        let server = try EtcdTestFaultyServer(behavior: .close)
        defer { server.stop() }
        try await withEtcdClient(configuration: configuration(port: server.port)) { etcd in
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.get(EtcdGetRequest(.key("k")), options: EtcdClient.CallOptions(timeout: .seconds(1)))
            }
            #expect(error.code == .connectionFailed)
            #expect(error.endpoint == "127.0.0.1:\(server.port)")
        }
    }

    @Test("a silent server: the call's deadline fires")
    func silentServerDeadline() async throws {
        let server = try EtcdTestFaultyServer(behavior: .silent)
        defer { server.stop() }
        try await withEtcdClient(configuration: configuration(port: server.port)) { etcd in
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.get(
                    EtcdGetRequest(.key("k")),
                    options: EtcdClient.CallOptions(timeout: .milliseconds(300))
                )
            }
            #expect(error.code == .deadlineExceeded)
            #expect(error.requestNotSent, "the call was held until the server's SETTINGS, which never came")
        }
    }

    @Test("a server that accepts but never speaks is given up on after the connect timeout, with nothing sent")
    func silentServerConnectTimeout() async throws {
        let server = try EtcdTestFaultyServer(behavior: .silent)
        defer { server.stop() }
        var configuration = configuration(port: server.port)
        configuration.connectTimeout = .seconds(1)
        try await withEtcdClient(configuration: configuration) { etcd in
            let clock = ContinuousClock()
            let start = clock.now
            // Attempts until the 2.5 s deadline (a write certainly not sent may be retried), each bounded by the
            // 1 s connect timeout; the error says why the last connection failed.
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.put(
                    EtcdPutRequest("k", value: "v"),
                    options: EtcdClient.CallOptions(timeout: .milliseconds(2_500))
                )
            }
            #expect(error.code == .connectionFailed)
            #expect(error.requestNotSent)
            #expect(error.message.contains("sent nothing"), "\(error)")
            #expect(clock.now - start < .seconds(4))
        }
    }

    @Test("a paused etcd is detected by keepalive; after it resumes the client works again")
    func pausedMember() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            var configuration = cluster.clientConfiguration
            configuration.keepalive = EtcdClient.Keepalive(interval: .milliseconds(500), timeout: .milliseconds(500))
            configuration.defaultCallOptions.timeout = nil
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("paused/k", value: "before")
                cluster.members[0].pause()
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.put("paused/k", value: "during")
                }
                #expect(error.code == .outcomeUnknown, "the request was sent, so its outcome is unknown")
                #expect(!error.requestNotSent)
                #expect(error.message.contains("keepalive"), "\(error)")
                cluster.members[0].resume()
                try await cluster.members[0].waitUntilHealthy()
                try await etcd.put("paused/k", value: "after")
                #expect(try await etcd.get("paused/k")?.stringValue == "after")
            }
        }
    }

    @Test("a restarted etcd: calls fail with a typed error while it is down, and work after")
    func restartedMember() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                try await etcd.put("restart/k", value: "1")
                cluster.members[0].stop()
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.get(
                        EtcdGetRequest(.key("restart/k")),
                        options: EtcdClient.CallOptions(timeout: .seconds(1))
                    )
                }
                #expect(error.code == .connectionFailed)
                #expect(error.endpoint == cluster.members[0].endpoint.description)
                try cluster.members[0].start()
                try await cluster.members[0].waitUntilHealthy()
                #expect(try await etcd.get("restart/k")?.stringValue == "1")
            }
        }
    }
}
