import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// What happened to each write, as the client reported it.
private final class WriteLog: Sendable {
    let succeeded = LockedValue<[Int]>([])
    let notSent = LockedValue<[Int]>([])
    let unknown = LockedValue<[Int]>([])
}

/// The members that acknowledged a lease's renewals.
private final class Renewers: Sendable {
    let members = LockedValue<Set<UInt64>>([])
}

/// Three-member clusters: the client fails over between members.
@Suite("Failover across three members", .timeLimit(.minutes(3)))
struct FailoverTests {
    @Test("the leader is killed during 2,000 puts: every put reported done is there exactly once")
    func killLeaderDuringPuts() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let leader = try await cluster.leadership().leader
            // The client starts on the leader, so that killing it breaks the client's own connection.
            var configuration = cluster.configuration(startingOn: leader)
            configuration.defaultCallOptions.timeout = .seconds(10)
            let records = EtcdTestLogRecorder()
            configuration.logSink = records.sink
            configuration.logLevel = .debug
            let log = WriteLog()
            try await withEtcdClient(configuration: configuration) { etcd in
                for index in 0..<2_000 {
                    if index == 800 { cluster.members[leader].kill() }
                    do {
                        try await etcd.put(EtcdKey("failover/\(index)"), value: "\(index)")
                        log.succeeded.withLock { $0.append(index) }
                    } catch let error as EtcdError {
                        if error.requestNotSent {
                            log.notSent.withLock { $0.append(index) }
                        } else {
                            log.unknown.withLock { $0.append(index) }
                        }
                    }
                }
                let stored = try await etcd.get(.prefix("failover/"))
                var versions: [Int: Int64] = [:]
                for kv in stored.keyValues {
                    versions[Int(kv.stringValue ?? "") ?? -1] = kv.version
                }
                let succeeded = log.succeeded.withLock { $0 }
                #expect(succeeded.count >= 1_900, "failover kept almost every put going")
                #expect(succeeded.allSatisfy { versions[$0] == 1 }, "every put reported done is there, once")
                #expect(
                    log.notSent.withLock { $0 }.allSatisfy { versions[$0] == nil },
                    "a put reported not sent is absent"
                )
                #expect(versions.values.allSatisfy { $0 == 1 }, "no put was applied twice")
                #expect(log.unknown.withLock { $0 }.count < 10)
            }
            // The operator hears which endpoint failed, why, and where the client went.
            let failovers = records.records("failing over to the next endpoint")
            let killed = cluster.members[leader].endpoint.description
            #expect(
                failovers.contains { $0.metadata["endpoint"] == killed && $0.metadata["reason"] != nil },
                "\(failovers)"
            )
            let connected = records.records("connected").compactMap { $0.metadata["endpoint"] }
            #expect(connected.first == killed)
            #expect(connected.contains { $0 != killed }, "\(connected)")
        }
    }

    /// Which member a fault hits.
    enum Role: String, CaseIterable, CustomTestStringConvertible {
        case leader, follower
        var testDescription: String { rawValue }
    }

    @Test(
        "the member the client is on is paused: reads and watches move to another member; nothing is lost",
        arguments: Role.allCases
    )
    func pausedMember(_ role: Role) async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let leader = try await cluster.leadership().leader
            let paused = role == .leader ? leader : (leader + 1) % 3
            var configuration = cluster.configuration(startingOn: paused)
            configuration.keepalive = EtcdClient.Keepalive(interval: .milliseconds(500), timeout: .milliseconds(500))
            configuration.defaultCallOptions.timeout = .seconds(10)
            let records = EtcdTestLogRecorder()
            configuration.logSink = records.sink
            var writerConfiguration = cluster.configuration(avoiding: paused)
            writerConfiguration.defaultCallOptions.timeout = .milliseconds(500)  // gives up on a stuck proposal fast
            try await withEtcdClient(configuration: configuration) { etcd in
                try await withEtcdClient(configuration: writerConfiguration) { writer in
                    try await etcd.put("paused/before", value: "1")
                    try await etcd.watch(.prefix("paused/"), startRevision: 1) { responses in
                        var iterator = responses.makeAsyncIterator()
                        #expect(try await iterator.next()?.events.first?.keyValue.stringValue == "1")
                        cluster.members[paused].pause()
                        defer { cluster.members[paused].resume() }
                        let clock = ContinuousClock()
                        let start = clock.now
                        // Keepalive gives up on the paused member's connection after 0.5 s + 0.5 s; a read sent on
                        // it moves to another member within two such windows. Serializable, so that it does not
                        // wait for a new leader when the paused member led.
                        let moved = try await etcd.get("paused/before", consistency: .serializable)
                        #expect(moved?.stringValue == "1")
                        #expect(clock.now - start < .seconds(2))
                        // When the paused member led, writes fail until the others elect a leader: the writer (a
                        // helper, not the client under test) retries its create-if-absent write until it commits.
                        while true {
                            do {
                                _ = try await writer.txn(
                                    if: [.missing("paused/during")],
                                    then: [.put("paused/during", value: "2")]
                                )
                                break
                            } catch let error as EtcdError
                                where [.serverTimeout, .leaderChanged, .noLeader, .outcomeUnknown, .deadlineExceeded]
                                .contains(error.code)
                            {
                                continue
                            }
                        }
                        // A linearizable read sees the change, from another member.
                        #expect(try await etcd.get("paused/during")?.stringValue == "2")
                        // The watch has moved too and delivers it: within the two windows when a leader stayed,
                        // and within two seconds more when one had to be elected.
                        let next = try await iterator.next()
                        #expect(next?.events.first?.keyValue.stringValue == "2")
                        #expect(clock.now - start < (role == .follower ? .seconds(2) : .seconds(4)))
                    }
                    try await cluster.members[paused].waitUntilHealthy()
                    #expect(try await etcd.count(.prefix("paused/")) == 2)
                }
            }
            // Every record has reached the sink once the client is closed.
            let reopened = records.records("re-opening a stream")
            #expect(reopened.contains { $0.metadata["method"] == "/etcdserverpb.Watch/Watch" }, "\(reopened)")
            #expect(records.all.contains { $0.metadata["reason"]?.contains("keepalive") == true })
        }
    }

    @Test("a member cut off from the others: a watch on it, asking for a leader, moves to the members that have one")
    func memberCutOff() async throws {
        try await withEtcdTestCluster(members: 3, peerRelays: true) { cluster in
            let (leader, ids) = try await cluster.leadership()
            let isolated = (leader + 1) % 3
            var configuration = cluster.configuration(startingOn: isolated)
            let records = EtcdTestLogRecorder()
            configuration.logSink = records.sink
            try await withEtcdClient(configuration: configuration) { etcd in
                try await withEtcdClient(configuration: cluster.configuration(avoiding: isolated)) { writer in
                    try await etcd.put("cutoff/before", value: "1")
                    try await etcd.watch(.prefix("cutoff/"), startRevision: 1) { responses in
                        var iterator = responses.makeAsyncIterator()
                        #expect(try await iterator.next()?.events.first?.keyValue.stringValue == "1")
                        cluster.isolate(isolated, memberID: ids[isolated])
                        defer { cluster.heal() }
                        let clock = ContinuousClock()
                        let start = clock.now
                        // The others keep their leader and commit; the cut-off member never hears of it. It
                        // cancels streams that asked for a leader once it has had none for three election
                        // timeouts (0.75 s here), and the watch resumes on another member.
                        try await writer.put("cutoff/during", value: "2")
                        let next = try await iterator.next()
                        #expect(next?.events.first?.keyValue.stringValue == "2")
                        #expect(clock.now - start < .seconds(5))
                    }
                }
            }
            let reopened = records.records("re-opening a stream")
            #expect(
                reopened.contains {
                    $0.metadata["method"] == "/etcdserverpb.Watch/Watch"
                        && $0.metadata["reason"]?.contains("no leader") == true
                },
                "\(reopened)"
            )
        }
    }

    @Test("every member restarted in turn under reads, writes and a kept-alive lease: nothing lost, lease kept")
    func rollingRestart() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            var configuration = cluster.clientConfiguration
            configuration.defaultCallOptions.timeout = .seconds(10)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("rolling/k", value: "v")
                let reads = AsyncCounter()
                let log = WriteLog()
                let renewers = Renewers()
                let lease = try await etcd.grantLease(ttl: .seconds(5))
                try await etcd.keepAlive(lease.id) { keeper in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await heartbeat in keeper.heartbeats {
                                renewers.members.withLock { _ = $0.insert(heartbeat.header.memberID) }
                            }
                        }
                        group.addTask {
                            while !Task.isCancelled {
                                if case .some(.some) = try? await etcd.get("rolling/k") { reads.increment() }
                            }
                        }
                        group.addTask {
                            var index = 0
                            while !Task.isCancelled {
                                index += 1
                                do {
                                    try await etcd.put(EtcdKey("rolling/w/\(index)"), value: "\(index)")
                                    log.succeeded.withLock { $0.append(index) }
                                } catch is CancellationError {
                                    return
                                } catch let error as EtcdError where error.requestNotSent {
                                    log.notSent.withLock { $0.append(index) }
                                } catch {
                                    log.unknown.withLock { $0.append(index) }
                                }
                            }
                        }
                        for member in cluster.members {
                            member.stop()
                            try member.start()
                            try await member.waitUntilHealthy()
                        }
                        group.cancelAll()
                    }
                    #expect(keeper.failure == nil)
                }
                // The keep-alive stream moved with the connection: renewals came from more than one member.
                #expect(renewers.members.withLock { $0.count } >= 2)
                #expect(try await etcd.leaseTimeToLive(lease.id).remainingTTL != nil)
                #expect(reads.value > 0)
                let stored = Set(
                    try await etcd.get(.prefix("rolling/w/")).keyValues.compactMap { Int($0.stringValue ?? "") }
                )
                let succeeded = log.succeeded.withLock { $0 }
                // How many writes fit in depends on how long etcd takes to restart and elect; some must have.
                #expect(!succeeded.isEmpty, "writes reported done: \(succeeded.count)")
                #expect(succeeded.allSatisfy { stored.contains($0) }, "every write reported done survived the restarts")
                #expect(log.notSent.withLock { $0 }.allSatisfy { !stored.contains($0) })
                try await etcd.put("rolling/after", value: "ok")
                #expect(try await etcd.get("rolling/after")?.stringValue == "ok")
            }
        }
    }
}
