import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Sessions against a real etcd", .timeLimit(.minutes(1)))
struct SessionTests {
    @Test("a session keeps its lease alive past the TTL; closing revokes it")
    func keepsAliveAndCloseRevokes() async throws {
        try await SharedEtcd.withClient { etcd in
            let session = try await EtcdSession.start(client: etcd, ttl: .seconds(1))
            let key = EtcdKey(SharedEtcd.uniquePrefix("session") + "k")
            try await etcd.put(key, value: "v", lease: session.lease)
            // For two and a half TTLs, the key is there at every look: the session renews the lease.
            let clock = ContinuousClock()
            let end = clock.now + .milliseconds(2_500)
            var looks = 0
            while clock.now < end {
                #expect(try await etcd.get(key) != nil)
                looks += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(looks > 10)
            #expect(session.isAlive)
            #expect(try await etcd.get(key) != nil)
            try await session.close()
            #expect(try await etcd.get(key) == nil)
            #expect(try await etcd.leaseTimeToLive(session.lease).remainingTTL == nil)
            #expect(session.failure?.code == .sessionClosed)
        }
    }

    @Test("orphaning stops renewal without revoking: the lease expires after its TTL")
    func orphanLetsItExpire() async throws {
        try await SharedEtcd.withClient { etcd in
            let session = try await EtcdSession.start(client: etcd, ttl: .seconds(1))
            session.orphan()
            #expect(try await etcd.leaseTimeToLive(session.lease).remainingTTL != nil, "not revoked")
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            while try await etcd.leaseTimeToLive(session.lease).remainingTTL != nil && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await etcd.leaseTimeToLive(session.lease).remainingTTL == nil)
        }
    }

    @Test("withSession cancels its body when the lease is lost, then throws sessionExpired")
    func withSessionCancelsOnLoss() async throws {
        try await SharedEtcd.withClient { etcd in
            let started = AsyncCounter()
            let cancelled = AsyncCounter()
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.withSession(ttl: .seconds(3)) { session in
                    started.increment()
                    try await etcd.revokeLease(session.lease)
                    do {
                        try await Task.sleep(for: .seconds(30))
                    } catch {
                        cancelled.increment()
                        throw error
                    }
                }
            }
            #expect(error.code == .sessionExpired)
            #expect(started.value == 1)
            #expect(cancelled.value == 1)
        }
    }

    @Test("a session can adopt an existing lease; adopting a missing one fails")
    func adoptLease() async throws {
        try await SharedEtcd.withClient { etcd in
            let lease = try await etcd.grantLease(ttl: .seconds(5))
            let session = try await EtcdSession.start(client: etcd, lease: lease.id)
            #expect(session.lease == lease.id)
            try await session.close()
            let missing = try await #require(throws: EtcdError.self) {
                try await EtcdSession.start(client: etcd, lease: lease.id)
            }
            #expect(missing.code == .leaseNotFound)
        }
    }
}

@Suite("Election observation survives faults", .timeLimit(.minutes(1)))
struct ElectionFaultTests {
    @Test("an observer cut off from etcd reports what it missed once it reconnects")
    func observeAcrossCut() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            let throughRelay = cluster.configuration(through: relay)
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: throughRelay) { observing in
                    let leaderSession = try await EtcdSession.start(client: direct, ttl: .seconds(10))
                    let leadership = try await EtcdElection(session: leaderSession, name: "cut").campaign(value: "v1")
                    let observerSession = try await EtcdSession.start(client: observing, ttl: .seconds(10))
                    try await EtcdElection(session: observerSession, name: "cut").observe { changes in
                        var values: [String] = []
                        for try await change in changes {
                            guard case .leader(let leader) = change else { continue }
                            values.append(leader.stringValue ?? "")
                            if values == ["v1"] {
                                relay.set(.cut)
                                try await leadership.proclaim("v2")
                                relay.set(.pass)
                            }
                            if values.count == 2 { break }
                        }
                        #expect(values == ["v1", "v2"])
                    }
                    try await leaderSession.close()
                    observerSession.orphan()
                }
            }
        }
    }
}
