import EtcdClientCore
import Testing
import _EtcdTestSupport

@Suite("Cross-checks with etcdctl", .timeLimit(.minutes(1)))
struct EtcdctlInteropTests {
    @Test("what we write etcdctl reads, and what etcdctl writes we read")
    func bothWays() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("etcdctl")
            let ours = prefix + "from-swift"
            let lease = try await etcd.grantLease(ttl: .seconds(60))
            try await etcd.put(EtcdKey(ours), value: "hello from swift", lease: lease.id)
            let printed = String(decoding: try cluster.etcdctl(["get", ours, "--print-value-only"]), as: UTF8.self)
            #expect(printed == "hello from swift\n")
            let json = String(decoding: try cluster.etcdctl(["get", ours, "-w", "json"]), as: UTF8.self)
            #expect(json.contains("\"lease\":\(lease.id.rawValue)"))

            let theirs = prefix + "from-etcdctl"
            _ = try cluster.etcdctl(["put", theirs, "hello from etcdctl"])
            #expect(try await etcd.get(EtcdKey(theirs))?.stringValue == "hello from etcdctl")

            _ = try cluster.etcdctl(["del", ours])
            #expect(try await etcd.get(EtcdKey(ours)) == nil)
            let keys = String(decoding: try cluster.etcdctl(["get", prefix, "--prefix", "--keys-only"]), as: UTF8.self)
            #expect(keys.split(separator: "\n") == [Substring(theirs)])
            try await etcd.revokeLease(lease.id)
        }
    }

    @Test("a transaction of ours is visible to etcdctl, and etcdctl's txn to us")
    func transactions() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("etcdctl-txn")
            let key = prefix + "k"
            _ = try await etcd.txn(if: [.missing(EtcdKey(key))], then: [.put(EtcdKey(key), value: "1")])
            let script = "val(\"\(key)\") = \"1\"\n\nput \(key) \"2\"\n\nput \(key) \"wrong\"\n\n"
            let output = String(decoding: try cluster.etcdctl(["txn"], input: Array(script.utf8)), as: UTF8.self)
            #expect(output.hasPrefix("SUCCESS"))
            #expect(try await etcd.get(EtcdKey(key))?.stringValue == "2")
        }
    }
}
