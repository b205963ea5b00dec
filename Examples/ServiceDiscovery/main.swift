// Service discovery with a prefix mirror: three instances register under services/ with leases of 5 seconds, a
// mirror keeps services/ in a local cache, and the program prints each change as instances come, change their
// address and go (one by revoking its lease, one by letting it expire). Lookups read the cache, without a round trip.
//
//     swift run etcd-service-discovery [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
//
// Examples/run-service-discovery.sh starts a throwaway etcd and runs this against it.
import EtcdClientCore
import EtcdExampleSupport
import EtcdMirror
import Foundation

let configuration = Example.configuration(logsClient: false)

func describe(_ change: EtcdMirrorChange) -> String {
    switch change {
    case .upserted(let instance):
        "up      \(instance.key) at \(instance.stringValue ?? "?") (revision \(instance.modRevision))"
    case .removed(let key, let revision): "gone    \(key) (revision \(revision))"
    case .reloaded(let all, let removed, let revision):
        "loaded  \(all.count) instances, \(removed.count) gone (revision \(revision))"
    case .fellBehind(let revision): "behind  up to revision \(revision): read a snapshot"
    }
}

do {
    try await withEtcdClient(configuration: configuration) { etcd in
        try await etcd.delete(.prefix("services/"))
        let services = EtcdPrefixMirror(client: etcd, prefix: "services/")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await services.waitUntilSynchronized()
            group.addTask {
                try await services.changes { changes in
                    for try await change in changes { print(describe(change)) }
                }
            }
            // Three instances register, each with its own lease.
            var leases: [EtcdLeaseID] = []
            for (index, port) in [8_080, 8_081, 8_082].enumerated() {
                let lease = try await etcd.grantLease(ttl: .seconds(5))
                leases.append(lease.id)
                try await etcd.put(
                    EtcdKey("services/api/\(index)"),
                    value: "10.0.0.\(index + 1):\(port)",
                    lease: lease.id
                )
            }
            // One moves; the cache has it as soon as the mirror reached the write's revision.
            let moved = try await etcd.put("services/api/1", value: "10.0.0.9:9090", lease: leases[1])
            try await services.wait(for: moved.header.revision)
            print("lookup  services/api/1 -> \(services["services/api/1"]?.stringValue ?? "none")")
            // One leaves cleanly; another stops renewing: its lease expires on the server after 5 s.
            try await etcd.revokeLease(leases[0])
            let keepAlive = Task {
                try await etcd.keepAlive(leases[1]) { heartbeats in for try await _ in heartbeats.heartbeats {} }
            }
            let expiry = ContinuousClock.now + .seconds(8)
            while services.count > 1, ContinuousClock.now < expiry { try await Task.sleep(for: .milliseconds(100)) }
            let left = services.keyValues().map { "\($0.key) at \($0.stringValue ?? "?")" }
            print("left    \(left.joined(separator: ", ")) (revision \(services.revision))")
            keepAlive.cancel()
            group.cancelAll()
            guard left == ["services/api/1 at 10.0.0.9:9090"] else {
                Example.fail("expected only services/api/1 left")
            }
        }
    }
} catch is CancellationError {
} catch {
    Example.fail("\(error)")
}
