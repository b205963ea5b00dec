// A tour of the client: put and get, a prefix read, a transaction, a lease, errors.
//
//     swift run etcd-demo [host:port]        (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
//
// Examples/run-demo.sh starts a throwaway etcd and runs this against it.
import EtcdClientCore
import EtcdExampleSupport
import Foundation

let configuration = Example.configuration()
let endpoint = configuration.endpoints[0]

do {
    try await withEtcdClient(configuration: configuration) { etcd in
        let status = try await etcd.status()
        print("connected to etcd \(status.version) at \(endpoint), member \(String(status.header.memberID, radix: 16))")

        // 1. Put and get.
        let put = try await etcd.put("demo/config/feature-x", value: "enabled")
        print("put demo/config/feature-x at revision \(put.header.revision)")
        if let kv = try await etcd.get("demo/config/feature-x") {
            print("get \(kv.key) = \(kv.stringValue ?? "<binary>") (version \(kv.version))")
        }

        // 2. A prefix, sorted, with a limit.
        for (name, value) in [("a", "1"), ("b", "2"), ("c", "3")] {
            try await etcd.put(EtcdKey("demo/config/\(name)"), value: value)
        }
        let page = try await etcd.get(.prefix("demo/config/"), limit: 2, sort: .descending(by: .key))
        print(
            "prefix demo/config/: \(page.count) keys, first page \(page.keyValues.map(\.key.description)), more: \(page.hasMore)"
        )

        // 3. Create-if-absent: only the first claim wins.
        for node in ["node-a", "node-b"] {
            let claim = try await etcd.txn(
                if: [.missing("demo/jobs/42/owner")],
                then: [.put("demo/jobs/42/owner", value: node)],
                else: [.get("demo/jobs/42/owner")]
            )
            if claim.succeeded {
                print("\(node) claimed job 42 at revision \(claim.header.revision)")
            } else if case .get(let current)? = claim.responses.first {
                print("\(node) lost: job 42 is owned by \(current.keyValues.first?.stringValue ?? "?")")
            }
        }

        // 4. A key bound to a lease disappears when the lease is revoked.
        let lease = try await etcd.grantLease(ttl: .seconds(30))
        try await etcd.put("demo/services/api", value: "10.0.0.7:8080", lease: lease.id)
        print("lease \(lease.id) granted for \(lease.ttl); demo/services/api attached")
        try await etcd.revokeLease(lease.id)
        print("after revoking the lease, demo/services/api exists: \(try await etcd.get("demo/services/api") != nil)")

        // 5. Errors are typed.
        do {
            try await etcd.put("", value: "no key")
        } catch let error as EtcdError where error.code == .emptyKey {
            print("an empty key is refused: \(error)")
        }

        let removed = try await etcd.delete(.prefix("demo/")).deleted
        print("cleaned up \(removed) keys")
    }
} catch {
    Example.fail("\(error)")
}
