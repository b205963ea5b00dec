import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Leases and keep-alive against a real etcd", .timeLimit(.minutes(2)))
struct LeaseTests {
    @Test("grant, time-to-live with keys, list, renew once, revoke")
    func leaseLifecycle() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("lease-life")
            let lease = try await etcd.grantLease(ttl: .seconds(30))
            try await etcd.put(EtcdKey(prefix + "a"), value: "1", lease: lease.id)
            try await etcd.put(EtcdKey(prefix + "b"), value: "2", lease: lease.id)
            let info = try await etcd.leaseTimeToLive(lease.id, includeKeys: true)
            #expect(info.id == lease.id)
            #expect(info.grantedTTL == .seconds(30))
            #expect(try #require(info.remainingTTL) > .seconds(25))
            #expect(Set(info.keys) == [EtcdKey(prefix + "a"), EtcdKey(prefix + "b")])
            #expect(try await etcd.leases().contains(lease.id))
            let renewed = try await etcd.renewLease(lease.id)
            #expect(renewed.ttl == .seconds(30) && renewed.lease == lease.id && renewed.header.revision > 0)
            try await etcd.revokeLease(lease.id)
            #expect(try await etcd.leaseTimeToLive(lease.id).remainingTTL == nil)
            #expect(try await etcd.leases().contains(lease.id) == false)
            let renewGone = try await #require(throws: EtcdError.self) { try await etcd.renewLease(lease.id) }
            #expect(renewGone.code == .leaseNotFound)
        }
    }

    @Test("keep-alive of an unknown lease ends at once with leaseNotFound")
    func keepAliveUnknownLease() async throws {
        try await SharedEtcd.withClient { etcd in
            let unknown = EtcdLeaseID(rawValue: 0x0BAD_0000 + Int64.random(in: 0..<65_536))
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.keepAlive(unknown) { keeper in
                    for try await _ in keeper.heartbeats {}
                }
            }
            #expect(error.code == .leaseNotFound)
        }
    }

    @Test("a lease revoked by another client is reported promptly as revoked")
    func revokedByAnotherClient() async throws {
        try await SharedEtcd.withClient { etcd in
            try await SharedEtcd.withClient { other in
                let lease = try await etcd.grantLease(ttl: .seconds(3))
                let clock = ContinuousClock()
                var revokedAt: ContinuousClock.Instant?
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.keepAlive(lease.id) { keeper in
                        var first = true
                        for try await heartbeat in keeper.heartbeats {
                            #expect(heartbeat.lease == lease.id)
                            #expect(keeper.remainingTTL != nil)
                            #expect(keeper.lastHeartbeat?.lease == lease.id)
                            if first {
                                first = false
                                try await other.revokeLease(lease.id)
                                revokedAt = clock.now
                            }
                        }
                    }
                }
                #expect(error.code == .leaseRevoked)
                let delay = clock.now - (try #require(revokedAt))
                #expect(delay < .seconds(2), "reported within about a third of the TTL, not at expiry")
            }
        }
    }

    @Test("100 leases on one stream are all kept alive past their TTL")
    func manyLeases() async throws {
        try await SharedEtcd.withClient { etcd in
            var leases: [EtcdLeaseID] = []
            for _ in 0..<100 { leases.append(try await etcd.grantLease(ttl: .seconds(2)).id) }
            let heartbeatCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for lease in leases {
                    group.addTask {
                        try await etcd.keepAlive(lease) { keeper in
                            var count = 0
                            for try await _ in keeper.heartbeats {
                                count += 1
                                if count == 5 { break }  // 5 renewals, a third of 2 s apart: past the TTL
                            }
                            return count
                        }
                    }
                }
                var counts: [Int] = []
                for try await count in group { counts.append(count) }
                return counts
            }
            #expect(heartbeatCounts.allSatisfy { $0 == 5 })
            for lease in leases {
                #expect(try await etcd.leaseTimeToLive(lease).remainingTTL != nil)
                try await etcd.revokeLease(lease)
            }
        }
    }

    @Test("a client closed under a keep-alive ends it with clientClosed")
    func clientClosedEndsKeepAlive() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let etcd = try EtcdClient(configuration: cluster.clientConfiguration)
        let lease = try await etcd.grantLease(ttl: .seconds(10))
        let error = try await #require(throws: EtcdError.self) {
            try await etcd.keepAlive(lease.id) { keeper in
                for try await _ in keeper.heartbeats {
                    await etcd.close()
                }
            }
        }
        #expect(error.code == .clientClosed)
        try await SharedEtcd.withClient { other in
            let info = try await other.leaseTimeToLive(lease.id)
            #expect(info.remainingTTL != nil, "closing the client does not revoke its leases")
            try await other.revokeLease(lease.id)
        }
    }
}

/// Keep-alive across faults, each with its own etcd and a relay in front of it.
@Suite("Keep-alive survives faults", .timeLimit(.minutes(2)))
struct LeaseFaultTests {
    @Test("a 2-second lease is held for 8 seconds (four TTLs) while the connection is cut once")
    func holdsThroughCut() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            let throughRelay = cluster.configuration(through: relay)
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: throughRelay) { etcd in
                    let lease = try await etcd.grantLease(ttl: .seconds(2))
                    #expect(lease.ttl == .seconds(2))
                    try await direct.put("held/key", value: "alive", lease: lease.id)
                    let clock = ContinuousClock()
                    let start = clock.now
                    var cut = false
                    try await etcd.keepAlive(lease.id) { keeper in
                        for try await _ in keeper.heartbeats {
                            let elapsed = clock.now - start
                            if !cut && elapsed > .seconds(3) {
                                cut = true
                                relay.set(.cut)
                                relay.set(.pass)
                            }
                            if elapsed > .seconds(8) { break }
                        }
                        #expect(keeper.failure == nil)
                    }
                    #expect(cut)
                    #expect(try await direct.get("held/key")?.stringValue == "alive")
                    #expect(try await direct.leaseTimeToLive(lease.id).remainingTTL != nil)
                }
            }
        }
    }

    @Test("an unreachable server lets the lease expire, and keep-alive reports expiry at its deadline")
    func expiresWhenUnreachable() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            let throughRelay = cluster.configuration(through: relay)
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: throughRelay) { etcd in
                    let lease = try await etcd.grantLease(ttl: .seconds(2))
                    let clock = ContinuousClock()
                    var cutAt: ContinuousClock.Instant?
                    let error = try await #require(throws: EtcdError.self) {
                        try await etcd.keepAlive(lease.id) { keeper in
                            for try await _ in keeper.heartbeats where cutAt == nil {
                                relay.set(.cut)
                                cutAt = clock.now
                            }
                        }
                    }
                    #expect(error.code == .leaseExpired)
                    let afterCut = clock.now - (try #require(cutAt))
                    #expect(afterCut < .seconds(3), "reported at the lease's deadline, not later")
                    relay.set(.pass)
                    // The server expires it too (its clock started at the same last renewal).
                    let deadline = clock.now + .seconds(5)
                    var remaining = try await direct.leaseTimeToLive(lease.id).remainingTTL
                    while remaining != nil && clock.now < deadline {
                        try await Task.sleep(for: .milliseconds(100))
                        remaining = try await direct.leaseTimeToLive(lease.id).remainingTTL
                    }
                    #expect(remaining == nil)
                }
            }
        }
    }
}
