// Key-value basics and transactions: write, read, read a prefix, compare-and-swap, and a create-if-absent claim.
//
//     swift run etcd-key-value [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
//
// Examples/run-examples.sh starts a throwaway etcd and runs every example against it.
import EtcdClientCore
import EtcdExampleSupport

do {
    try await withEtcdClient(configuration: Example.configuration()) { etcd in
        try await etcd.delete(.prefix("example/kv/"))

        // A write returns the revision at which the whole store now stands.
        let written = try await etcd.put("example/kv/color", value: "blue")
        print("put example/kv/color at revision \(written.header.revision)")

        // A read of one key: nil when it does not exist.
        if let color = try await etcd.get("example/kv/color") {
            print("\(color.key) = \(color.stringValue ?? "<bytes>") (version \(color.version))")
        }

        // A prefix, in key order, at one revision.
        try await etcd.put("example/kv/size", value: "large")
        let all = try await etcd.get(.prefix("example/kv/"))
        print("\(all.count) keys under example/kv/: \(all.keyValues.map(\.key))")

        // Compare-and-swap: change the color only if nobody changed it since we read it.
        let current = try await etcd.get("example/kv/color")
        let swap = try await etcd.txn(
            if: [.modRevision("example/kv/color", .equal, current?.modRevision ?? 0)],
            then: [.put("example/kv/color", value: "green")]
        )
        print(swap.succeeded ? "swapped blue for green" : "someone else changed the color first")

        // Create-if-absent: the first claim wins; the second reads who won, in the same round trip.
        for node in ["node-a", "node-b"] {
            let claim = try await etcd.txn(
                if: [.missing("example/kv/owner")],
                then: [.put("example/kv/owner", value: node)],
                else: [.get("example/kv/owner")]
            )
            if claim.succeeded {
                print("\(node) claimed the job")
            } else if case .get(let owner)? = claim.responses.first {
                print("\(node) found the job taken by \(owner.keyValues.first?.stringValue ?? "?")")
            }
        }
        try await etcd.delete(.prefix("example/kv/"))
    }
} catch {
    Example.fail("\(error)")
}
