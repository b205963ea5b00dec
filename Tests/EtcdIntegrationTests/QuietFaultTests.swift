import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// What callers saw, in order.
private final class Outcomes: Sendable {
    let values = LockedValue<[String]>([])

    func append(_ value: String) { values.withLock { $0.append(value) } }
}

/// Faults quieter than a dead process: a silent path to a member, a member cut off from its peers, a member
/// without a leader, a restart of the only member, a member down when a keep-alive starts.
@Suite("Quiet faults", .timeLimit(.minutes(2)))
struct QuietFaultTests {
    @Test("a member whose path goes silent (keepalive off): a read moves to another member within its deadline")
    func blackholedMember() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let relays = try cluster.clientRelays()
            defer { for relay in relays { relay.stop() } }
            var configuration = cluster.configuration(through: relays, startingOn: 0)
            configuration.keepalive = EtcdClient.Keepalive(interval: nil)
            configuration.defaultCallOptions.timeout = .seconds(5)
            let records = EtcdTestLogRecorder()
            configuration.logSink = records.sink
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("blackhole/k", value: "1")
                #expect(try await etcd.get("blackhole/k")?.stringValue == "1")
                relays[0].set(.stall)
                defer { relays[0].set(.pass) }
                let clock = ContinuousClock()
                let start = clock.now
                // The read goes out on the silent connection; with nothing heard for a quarter of its attempt's
                // time, a PING finds the path dead and the read is sent to the next member.
                #expect(try await etcd.get("blackhole/k")?.stringValue == "1")
                let moved = clock.now - start
                #expect(moved < .seconds(3), "the read moved after \(moved)")
                // The next calls go to the other member at once, a write included.
                let next = clock.now
                try await etcd.put("blackhole/k", value: "2")
                #expect(try await etcd.get("blackhole/k")?.stringValue == "2")
                #expect(clock.now - next < .seconds(1))
            }
            let failovers = records.records("failing over to the next endpoint")
            #expect(failovers.contains { $0.metadata["reason"]?.contains("PING") == true }, "\(failovers)")
        }
    }

    @Test("a deadline that passes on a silent connection moves the next call to another member")
    func silentDeadlineRetiresConnection() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let relays = try cluster.clientRelays()
            defer { for relay in relays { relay.stop() } }
            var configuration = cluster.configuration(through: relays, startingOn: 0)
            configuration.keepalive = EtcdClient.Keepalive(interval: nil)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("silent/k", value: "1")
                relays[0].set(.stall)
                defer { relays[0].set(.pass) }
                // A write too short to be probed times out on the silent connection: its outcome is unknown.
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.put(
                        EtcdPutRequest("silent/k", value: "2"),
                        options: .init(timeout: .milliseconds(200))
                    )
                }
                #expect(error.code == .deadlineExceeded && !error.requestNotSent)
                // The connection heard nothing since that request: the next call goes to another member.
                let clock = ContinuousClock()
                let start = clock.now
                let value = try await etcd.get(EtcdGetRequest(.key("silent/k")), options: .init(timeout: .seconds(2)))
                #expect(!value.keyValues.isEmpty)
                #expect(clock.now - start < .milliseconds(500))
            }
        }
    }

    @Test("a member cut off from its peers: reads move on within their deadline; a write fails typed and not 'sent'")
    func partitionedMember() async throws {
        try await withEtcdTestCluster(members: 3, peerRelays: true) { cluster in
            let (leader, ids) = try await cluster.leadership()
            let isolated = (leader + 1) % 3
            var configuration = cluster.clientConfiguration
            configuration.endpoints =
                [cluster.members[isolated].endpoint]
                + cluster.members.indices
                .filter { $0 != isolated }.map { cluster.members[$0].endpoint }
            configuration.defaultCallOptions.timeout = .seconds(4)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("partition/k", value: "1")
                cluster.isolate(isolated, memberID: ids[isolated])
                defer { cluster.heal() }
                let clock = ContinuousClock()
                // The member keeps answering, but cannot confirm a linearizable read: the read is sent to another
                // member within its deadline.
                let start = clock.now
                #expect(try await etcd.get("partition/k")?.stringValue == "1")
                #expect(clock.now - start < .seconds(4))
                // Back on the cut-off member, a write cannot commit: it fails with a typed timeout, never as
                // "not sent" (the proposal may still commit), and the next call goes elsewhere.
                var isolatedOnly = configuration
                isolatedOnly.endpoints = [cluster.members[isolated].endpoint]
                isolatedOnly.defaultCallOptions.timeout = .seconds(2)
                try await withEtcdClient(configuration: isolatedOnly) { stuck in
                    let error = try await #require(throws: EtcdError.self) {
                        try await stuck.put("partition/w", value: "x")
                    }
                    #expect(
                        [.serverTimeout, .deadlineExceeded, .outcomeUnknown, .noLeader].contains(error.code),
                        "\(error)"
                    )
                    #expect(!error.requestNotSent || error.code == .noLeader, "\(error)")
                    #expect(error.code != .unknown)
                }
            }
        }
    }

    @Test("the only member restarts during reads: reads with a deadline and without one wait for it")
    func restartDuringReads() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            var configuration = cluster.clientConfiguration
            configuration.defaultCallOptions.timeout = .seconds(15)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("restart/k", value: "v")
                let outcomes = Outcomes()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for reader in 0..<4 {
                        group.addTask {
                            let options = EtcdClient.CallOptions(timeout: reader % 2 == 0 ? .seconds(15) : nil)
                            for _ in 0..<40 {
                                do {
                                    let value = try await etcd.get(EtcdGetRequest(.key("restart/k")), options: options)
                                    outcomes.append(value.keyValues.first?.stringValue ?? "none")
                                } catch {
                                    outcomes.append("\(error)")
                                }
                                try await Task.sleep(for: .milliseconds(25))
                            }
                        }
                    }
                    try await Task.sleep(for: .milliseconds(200))
                    cluster.members[0].stop()
                    try await Task.sleep(for: .milliseconds(300))
                    try cluster.members[0].start()
                    try await group.waitForAll()
                }
                let all = outcomes.values.withLock { $0 }
                #expect(all.count == 160)
                #expect(all.allSatisfy { $0 == "v" }, "\(Set(all))")
            }
        }
    }

    @Test("one endpoint whose member loses its leader: the watch ends with noLeader, and a new watch throws it")
    func leaderlessWatch() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let configuration = cluster.configuration(onlyMember: 0)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("leaderless/k", value: "1")
                let clock = ContinuousClock()
                var lostAt = clock.now
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.watch(.prefix("leaderless/"), startRevision: 1) { responses in
                        for try await response in responses where !response.events.isEmpty {
                            cluster.members[1].stop()
                            cluster.members[2].stop()
                            lostAt = clock.now
                        }
                    }
                }
                #expect(error.code == .noLeader, "\(error)")
                // etcd ends the stream after three election timeouts (0.75 s here) without a leader; the client
                // tries once more for its one-second grace.
                #expect(clock.now - lostAt < .seconds(4), "ended \(clock.now - lostAt) after the leader was lost")
                let start = clock.now
                let again = try await #require(throws: EtcdError.self) {
                    try await etcd.watch(.prefix("leaderless/")) { responses in
                        for try await _ in responses {}
                    }
                }
                #expect(again.code == .noLeader, "\(again)")
                // The one-second grace again, plus the reconnect backoff, which has grown (up to 2 s) since every
                // endpoint keeps failing: a few seconds, never a hang.
                #expect(clock.now - start < .seconds(5), "thrown after \(clock.now - start)")
            }
        }
    }

    @Test("requiresLeader: a member without a leader refuses calls and keep-alive with noLeader; without it, they wait")
    func requiresLeaderOption() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let configuration = cluster.configuration(onlyMember: 0)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("requires-leader/k", value: "1")
                let leaderRequired = EtcdClient.CallOptions(timeout: .seconds(2), requiresLeader: true)
                let read = try await etcd.get("requires-leader/k", consistency: .serializable, options: leaderRequired)
                #expect(read?.stringValue == "1")
                let lease = try await etcd.grantLease(ttl: .seconds(60))
                try await etcd.keepAlive(lease.id) { patient in
                    let strict = Task {
                        try await etcd.keepAlive(lease.id, requiresLeader: true) { keeper in
                            for try await _ in keeper.heartbeats {}
                        }
                    }
                    for try await _ in patient.heartbeats { break }
                    cluster.members[1].stop()
                    cluster.members[2].stop()
                    // The member notices within a few election timeouts that it has no leader.
                    let deadline = ContinuousClock.now + .seconds(10)
                    var refusal: EtcdError?
                    while refusal == nil && ContinuousClock.now < deadline {
                        do {
                            _ = try await etcd.get(
                                "requires-leader/k",
                                consistency: .serializable,
                                options: leaderRequired
                            )
                            try await Task.sleep(for: .milliseconds(50))
                        } catch let error as EtcdError {
                            refusal = error
                        }
                    }
                    #expect(refusal?.code == .noLeader, "\(String(describing: refusal))")
                    let plain = EtcdClient.CallOptions(timeout: .seconds(2))
                    let answer = try await etcd.get("requires-leader/k", consistency: .serializable, options: plain)
                    #expect(answer?.stringValue == "1")
                    let write = try await #require(throws: EtcdError.self) {
                        try await etcd.put("requires-leader/k", value: "2", options: leaderRequired)
                    }
                    #expect(write.code == .noLeader, "\(write)")
                    // The keep-alive that requires a leader has ended; the other waits for its lease's deadline.
                    let ended = try await #require(throws: EtcdError.self) { try await strict.value }
                    #expect(ended.code == .noLeader, "\(ended)")
                    #expect(patient.failure == nil)
                }
            }
        }
    }

    @Test("a keep-alive started while its member is down ends with leaseExpired when the granted TTL runs out")
    func keepAliveWhileDown() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            try await withEtcdClient(configuration: cluster.quickReconnectConfiguration) { etcd in
                let lease = try await etcd.grantLease(ttl: .seconds(3))
                let clock = ContinuousClock()
                let granted = clock.now
                cluster.members[0].stop()
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.keepAlive(lease.id) { keeper in
                        for try await _ in keeper.heartbeats {}
                    }
                }
                #expect(error.code == .leaseExpired, "\(error)")
                let ended = clock.now - granted
                #expect(
                    ended >= lease.ttl - .milliseconds(100) && ended < lease.ttl + .seconds(1),
                    "ended after \(ended)"
                )
            }
        }
    }
}
