import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
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

    @Test("a writer's key in the Go layout written by etcdctl holds our readers back until etcdctl deletes it")
    func readWriteLockLayout() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("etcdctl-rwlock") + "rw"
            let goWriter = name + "/write/1700000000000000000"
            _ = try cluster.etcdctl(["put", goWriter, ""])
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let lock = EtcdReadWriteLock(session: session, name: name)
                let reader = Task { try await lock.readLock() }
                while try await etcd.count(.prefix(EtcdKey(name + "/read/"))) == 0 { await Task.yield() }
                // Our reader's key is there, after the writer's: it must wait, whatever time passes.
                let listed = String(
                    decoding: try cluster.etcdctl(["get", name + "/", "--prefix", "--keys-only"]),
                    as: UTF8.self
                )
                #expect(listed.split(separator: "\n").count == 2)
                _ = try cluster.etcdctl(["del", goWriter])
                let held = try await reader.value
                #expect(held.key.stringValue?.hasPrefix(name + "/read/") == true)
                try await lock.unlock(held)
            }
        }
    }

    @Test("a queue item etcdctl writes in the Go layout is dequeued by us, and ours is where Go's dequeue looks")
    func queueLayout() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("etcdctl-queue") + "q"
            let queue = EtcdQueue(client: etcd, name: name)
            _ = try cluster.etcdctl(["put", name + "/1700000000000000000", "from etcdctl"])
            let ours = try await queue.enqueue("from swift")
            // Go's Dequeue: the first key by creation revision under the name.
            let first = String(
                decoding: try cluster.etcdctl([
                    "get", name, "--prefix", "--sort-by=CREATE", "--order=ASCEND", "--limit=2", "--keys-only",
                ]),
                as: UTF8.self
            )
            #expect(
                first.split(separator: "\n") == [
                    Substring(name + "/1700000000000000000"), Substring(ours.stringValue ?? ""),
                ]
            )
            #expect(try await queue.dequeue().stringValue == "from etcdctl")
            #expect(try await queue.dequeue().stringValue == "from swift")

            let priorities = EtcdPriorityQueue(client: etcd, name: name + "-pq")
            _ = try cluster.etcdctl(["put", name + "-pq/00002/0000000000000000", "go, priority 2"])
            try await priorities.enqueue("swift, priority 2", priority: 2)
            let listed = String(
                decoding: try cluster.etcdctl(["get", name + "-pq/", "--prefix", "--keys-only"]),
                as: UTF8.self
            )
            #expect(listed.split(separator: "\n").last == Substring(name + "-pq/00002/0000000000000001"))
            #expect(try await priorities.dequeue().stringValue == "go, priority 2")
            #expect(try await priorities.dequeue().stringValue == "swift, priority 2")
        }
    }
}
