// Leases: a key attached to a lease lives as long as the lease is renewed. While `keepAlive` runs, the client
// renews it; once the scope is left, renewals stop and etcd deletes the key when the TTL runs out.
//
//     swift run etcd-lease-keep-alive [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
import EtcdClientCore
import EtcdExampleSupport

do {
    try await withEtcdClient(configuration: Example.configuration()) { etcd in
        let lease = try await etcd.grantLease(ttl: .seconds(2))
        try await etcd.put("example/lease/heartbeat", value: "alive", lease: lease.id)
        print("lease \(lease.id) granted for \(lease.ttl); example/lease/heartbeat attached")

        // Renewed for twice the TTL: the key outlives its TTL.
        try await etcd.keepAlive(lease.id) { keeper in
            var renewals = 0
            for try await heartbeat in keeper.heartbeats {
                renewals += 1
                print("renewed: \(heartbeat.ttl) left")
                if renewals == 3 { break }
            }
        }
        let kept = try await etcd.get("example/lease/heartbeat") != nil
        print(kept ? "the key is still there" : "the key is gone")

        // Without renewals the lease expires and takes the key with it.
        let deadline = ContinuousClock.now + .seconds(10)
        while try await etcd.get("example/lease/heartbeat") != nil {
            guard ContinuousClock.now < deadline else { Example.fail("the lease did not expire") }
            try await Task.sleep(for: .milliseconds(200))
        }
        print("after the lease expired, the key is gone")
    }
} catch {
    Example.fail("\(error)")
}
