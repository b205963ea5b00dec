import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

/// A plain TCP connection through a relay, to see what the relay does to bytes.
private struct RawConnection: ~Copyable {
    let fd: Int32

    init(port: Int) throws {
        guard let fd = EtcdTestConnection.open(port: port) else {
            throw EtcdTestingError("connect failed: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Writes as much of `total` bytes as the connection takes within `limit`; returns how many it took.
    func write(_ total: Int, within limit: Duration) -> Int {
        let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
        let deadline = ContinuousClock.now + limit
        var written = 0
        while written < total && ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            let count = send(fd, chunk, min(chunk.count, total - written), Int32(MSG_NOSIGNAL))
            if count <= 0 { break }
            written += count
        }
        return written
    }

    /// Sends `text` and reads until the peer closes or `limit` passes: what came back, and how the read ended
    /// (0 for an orderly close, else the error number; -1 when the time ran out).
    func exchange(_ text: String, within limit: Duration) -> (reply: [UInt8], ending: Int32) {
        // Not even an empty send: a send on a reset connection takes the pending error, and recv would then read 0.
        if !text.isEmpty { _ = send(fd, text, text.utf8.count, Int32(MSG_NOSIGNAL)) }
        let deadline = ContinuousClock.now + limit
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 20) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                reply += buffer.prefix(count)
            } else {
                return (reply, count == 0 ? 0 : errno)
            }
        }
        return (reply, -1)
    }
}

private let healthRequest = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

/// The public test kit, as a user's own tests would use it.
@Suite("EtcdTesting: clusters and faults for users' tests", .timeLimit(.minutes(3)))
struct EtcdTestingTests {
    @Test("the README's example: three members, the leader killed, the key still there; then restarted")
    func readmeExample() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            #expect(cluster.endpoints.count == 3)
            #expect(cluster.peerRelays.isEmpty && cluster.certificates == nil)
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                try await etcd.put("jobs/1", value: "queued")
                let leader = try await cluster.leadership().leader
                #expect(cluster.members[leader].metric("etcd_server_is_leader") == 1)
                cluster.members[leader].kill()
                #expect(cluster.members[leader].processIdentifier == nil)
                #expect(try await etcd.get("jobs/1")?.stringValue == "queued")
                try cluster.members[leader].start()
                try await cluster.members[leader].waitUntilHealthy()
                #expect(cluster.members[leader].processIdentifier != nil)
                #expect(!cluster.members[leader].logTail().isEmpty)
                #expect(FileManager.default.fileExists(atPath: cluster.members[leader].dataDirectory.path))
            }
        }
    }

    @Test("stop ends every member and removes the data")
    func stopRemovesData() async throws {
        let cluster = try await EtcdTestCluster.start()
        let member = cluster.members[0]
        #expect(member.name == "m0" && member.peerPort != member.clientPort)
        #expect(member.clientURL == "http://127.0.0.1:\(member.clientPort)" && member.healthPort == member.clientPort)
        #expect(member.endpoint == cluster.endpoints[0])
        cluster.stop()
        #expect(member.processIdentifier == nil)
        #expect(!FileManager.default.fileExists(atPath: member.dataDirectory.path))
    }

    @Test("a cancelled withEtcdTestCluster scope throws CancellationError, ends every member and removes the data")
    func cancelledScope() async throws {
        let (entered, inside) = AsyncStream.makeStream(of: (processes: [Int32], root: String).self)
        let scope = Task {
            try await withEtcdTestCluster(members: 3) { cluster in
                inside.yield(
                    (
                        cluster.members.compactMap { $0.processIdentifier },
                        cluster.members[0].dataDirectory.deletingLastPathComponent().path
                    )
                )
                try await Task.sleep(for: .seconds(600))
            }
        }
        var iterator = entered.makeAsyncIterator()
        let cluster = try #require(await iterator.next())
        #expect(cluster.processes.count == 3)
        #expect(FileManager.default.fileExists(atPath: cluster.root))
        scope.cancel()
        await #expect(throws: CancellationError.self) { try await scope.value }
        for process in cluster.processes {
            #expect(kill(process, 0) == -1 && errno == ESRCH, "member process \(process) still exists")
        }
        #expect(!FileManager.default.fileExists(atPath: cluster.root))
    }

    @Test("a missing binary is an EtcdTestingError that says what to install")
    func missingBinary() throws {
        let error = #expect(throws: EtcdTestingError.self) {
            try EtcdTestBinaries.path(of: "no-such-etcd-binary", package: "etcd-server")
        }
        #expect(error?.description.contains("apt-get install etcd-server") == true)
        #expect(EtcdTestingError("why").description == "why")
    }

    @Test("pass forwards; stall holds bytes back so the writer blocks; drop swallows them, then resets the connection")
    func stallAndDrop() async throws {
        try await withRelayedEtcdTestCluster { _, relay in
            let (reply, ending) = try RawConnection(port: relay.port).exchange(healthRequest, within: .seconds(5))
            #expect(String(decoding: reply, as: UTF8.self).contains("\"health\":\"true\""), "pass forwards")
            #expect(ending == 0)

            let size = 64 * 1024 * 1024
            relay.set(.stall)
            let stalled = try RawConnection(port: relay.port)
            #expect(stalled.write(size, within: .seconds(2)) < size, "a stalled relay reads nothing")
            relay.set(.drop)
            let dropped = try RawConnection(port: relay.port)
            #expect(dropped.write(size, within: .seconds(20)) == size, "a dropping relay reads everything")
            #expect(dropped.exchange(healthRequest, within: .milliseconds(300)).ending == -1, "and answers nothing")
            #expect(relay.connectionCount == 2)
            relay.set(.pass)
            #expect(dropped.exchange("", within: .seconds(5)).ending == ECONNRESET, "a stream that lost bytes ends")
        }
    }

    @Test("delay holds every byte back in each direction; pass undoes it")
    func delay() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            try await withEtcdClient(configuration: cluster.configuration(through: relay)) { etcd in
                try await etcd.put("relay/delay", value: "v")
                relay.set(.delay(.milliseconds(200)))
                let clock = ContinuousClock()
                let slow = try await clock.measure { _ = try await etcd.get("relay/delay") }
                #expect(slow >= .milliseconds(400), "a request and its answer each wait 200 ms: \(slow)")
                relay.set(.pass)
                // Bytes already delayed keep their order, so the first call after the change may wait behind them.
                _ = try await etcd.get("relay/delay")
                let fast = try await clock.measure { _ = try await etcd.get("relay/delay") }
                #expect(fast < .milliseconds(200), "\(fast)")
            }
        }
    }

    @Test("reset lets a connection carry the given bytes, then resets it; with 0, at once and on accept")
    func reset() async throws {
        try await withRelayedEtcdTestCluster { _, relay in
            relay.set(.reset(afterBytes: 10))
            let (reply, ending) = try RawConnection(port: relay.port).exchange(healthRequest, within: .seconds(5))
            #expect(reply.isEmpty && ending == ECONNRESET, "reset after 10 of the request's bytes: \(ending)")

            relay.set(.pass)
            let open = try RawConnection(port: relay.port)
            #expect(open.write(1, within: .seconds(1)) == 1)
            relay.set(.reset(afterBytes: 0))
            #expect(open.exchange("", within: .seconds(5)).ending == ECONNRESET, "an open connection is reset")
            let refused = try RawConnection(port: relay.port).exchange("", within: .seconds(5))
            #expect(refused.ending == ECONNRESET, "a new connection is reset on accept: \(refused)")
            relay.set(.pass)
            #expect(try RawConnection(port: relay.port).exchange(healthRequest, within: .seconds(5)).ending == 0)
        }
    }

    @Test("a client through a relay that resets mid-stream gets a typed error, and works again after pass")
    func clientAcrossReset() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            var configuration = cluster.configuration(through: relay)
            configuration.defaultCallOptions.timeout = .seconds(2)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("relay/reset", value: String(repeating: "x", count: 64 * 1024))
                relay.set(.reset(afterBytes: 1_000))
                await #expect(throws: EtcdError.self) { _ = try await etcd.get("relay/reset") }
                relay.set(.pass)
                #expect(try await etcd.get("relay/reset")?.value.count == 64 * 1024)
            }
        }
    }

    @Test("cutConnections closes only the connections that sent the marker within their opening bytes")
    func cutOneDialer() async throws {
        try await withRelayedEtcdTestCluster { _, relay in
            relay.set(.cutConnections(sending: Array("X-Dialer: a".utf8)))
            let marked = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Dialer: a\r\nConnection: close\r\n\r\n"
            let cut = try RawConnection(port: relay.port).exchange(marked, within: .seconds(5))
            #expect(cut.reply.isEmpty && cut.ending == 0, "the marked connection is closed unanswered")
            let other = try RawConnection(port: relay.port).exchange(healthRequest, within: .seconds(5))
            #expect(String(decoding: other.reply, as: UTF8.self).contains("\"health\":\"true\""), "others pass")
            // A marker past the opening bytes is not looked for.
            let padding = String(repeating: "x", count: EtcdTestRelay.openingLength)
            let late =
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(padding)\r\nX-Dialer: a\r\n"
                + "Connection: close\r\n\r\n"
            let passed = try RawConnection(port: relay.port).exchange(late, within: .seconds(5))
            #expect(String(decoding: passed.reply, as: UTF8.self).contains("\"health\":\"true\""))
        }
    }
}
