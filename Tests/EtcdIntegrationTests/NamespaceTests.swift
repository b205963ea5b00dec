import EtcdClientCore
import EtcdConcurrency
import EtcdMirror
import EtcdTesting
import Testing
import _EtcdTestSupport

/// Runs `body` with the shared etcd's client and a view of it under a fresh prefix.
private func withNamespace(
    _ name: String,
    _ body: @Sendable (_ etcd: EtcdClient, _ view: EtcdClient, _ prefix: String) async throws -> Void
) async throws {
    try await SharedEtcd.withClient { etcd in
        let prefix = SharedEtcd.uniquePrefix(name)
        try await body(etcd, etcd.namespaced(EtcdKey(prefix)), prefix)
    }
}

/// The keys under `prefix`, as the base client sees them, without the prefix.
private func keys(under prefix: String, _ etcd: EtcdClient) async throws -> [String] {
    try await etcd.get(.prefix(EtcdKey(prefix)), keysOnly: true).keyValues.compactMap {
        $0.key.stringValue.map { String($0.dropFirst(prefix.count)) }
    }
}

@Suite("Namespaced views of a client against a real etcd", .timeLimit(.minutes(2)))
struct NamespaceTests {
    @Test("keys, ranges, previous values and transactions are relative, and never leave the prefix")
    func keyValue() async throws {
        try await withNamespace("ns-kv") { etcd, view, prefix in
            #expect(view.keyPrefix == EtcdKey(prefix))
            #expect(etcd.keyPrefix == EtcdKey(""))
            #expect(etcd.namespaced("") === etcd)
            // Neighbours just outside the prefix on both sides.
            let before = String(prefix.dropLast()) + "."
            let after = String(prefix.dropLast()) + "0"
            try await etcd.put(EtcdKey(before), value: "outside")
            try await etcd.put(EtcdKey(after), value: "outside")
            try await view.put("a", value: "1")
            try await view.put("b", value: "2")
            let previous = try await view.put("b", value: "3", includePrevious: true).previous
            #expect(previous?.key == "b" && previous?.stringValue == "2")
            #expect(try await etcd.get(EtcdKey(prefix + "a"))?.stringValue == "1")
            #expect(try await view.get("a")?.key == "a")
            #expect(try await view.get(.all).keyValues.map(\.key) == ["a", "b"])
            #expect(try await view.get(.from("b")).keyValues.map(\.key) == ["b"])
            #expect(try await view.get(.prefix("")).count == 2)
            #expect(try await view.count(.all) == 2)

            let txn = try await view.txn(
                if: [.value("a", .equal, "1"), .version(.all, .greater, 0)],
                then: [
                    .put("c", value: "from txn"),
                    .txn(if: [.missing("d")], then: [.get(EtcdGetRequest(.all))]),
                ]
            )
            #expect(txn.succeeded)
            guard case .txn(let nested)? = txn.responses.last, case .get(let read)? = nested.responses.first else {
                Issue.record("expected a nested transaction's read, got \(txn.responses)")
                return
            }
            #expect(read.keyValues.map(\.key) == ["a", "b", "c"])
            #expect(try await keys(under: prefix, etcd) == ["a", "b", "c"])

            let deleted = try await view.delete(.all, includePrevious: true)
            #expect(deleted.previous.map(\.key) == ["a", "b", "c"])
            #expect(try await etcd.get(EtcdKey(before))?.stringValue == "outside")
            #expect(try await etcd.get(EtcdKey(after))?.stringValue == "outside")
            try await etcd.delete(EtcdKey(before))
            try await etcd.delete(EtcdKey(after))
            let empty = try await #require(throws: EtcdError.self) { try await view.put("", value: "x") }
            #expect(empty.code == .emptyKey)
        }
    }

    @Test("a watch on a view sees only its keys, relative, with relative previous values; lease keys too")
    func watchAndLease() async throws {
        try await withNamespace("ns-watch") { etcd, view, prefix in
            let lease = try await view.grantLease(ttl: .seconds(30))
            let events = try await view.watch(.all, includePrevious: true) { responses in
                try await etcd.put(EtcdKey(prefix.dropLast() + "0"), value: "outside")
                try await view.put("k", value: "1", lease: lease.id)
                try await view.put("k", value: "2", lease: lease.id)
                try await view.delete("k")
                var seen: [EtcdWatchEvent] = []
                for try await response in responses {
                    seen += response.events
                    if seen.count == 3 { break }
                }
                return seen
            }
            #expect(events.map(\.keyValue.key) == ["k", "k", "k"])
            #expect(events.map(\.kind) == [.put, .put, .delete])
            #expect(events[1].previous?.key == "k" && events[1].previous?.stringValue == "1")
            try await view.put("held", value: "1", lease: lease.id)
            try await etcd.put("ns-watch-outside-\(lease.id)", value: "1", lease: lease.id)
            let live = try await view.leaseTimeToLive(lease.id, includeKeys: true)
            #expect(live.keys == ["held"])
            let all = try await etcd.leaseTimeToLive(lease.id, includeKeys: true)
            #expect(all.keys.count == 2)
            try await view.revokeLease(lease.id)
            try await etcd.delete(EtcdKey(prefix.dropLast() + "0"))
        }
    }

    @Test("a mutex, a read-write lock, a semaphore and an election on a view keep their keys inside its prefix")
    func sessionRecipes() async throws {
        try await withNamespace("ns-locks") { etcd, view, prefix in
            try await view.withSession(ttl: .seconds(10)) { session in
                let ownership = try await EtcdMutex(session: session, name: "job").lock()
                #expect(ownership.key.stringValue?.hasPrefix("job/") == true)
                #expect(try await keys(under: prefix, etcd) == [ownership.key.stringValue!])
                try await EtcdMutex(session: session, name: "job").unlock()
                #expect(try await keys(under: prefix, etcd).isEmpty)

                let lock = EtcdReadWriteLock(session: session, name: "rw")
                let read = try await lock.readLock()
                #expect(read.key.stringValue?.hasPrefix("rw/read/") == true)
                #expect(try await keys(under: prefix, etcd) == [read.key.stringValue!])
                try await lock.unlock(read)

                let semaphore = EtcdSemaphore(session: session, name: "slots", limit: 2)
                let held = try await semaphore.withPermit { _ in try await keys(under: prefix, etcd) }
                #expect(held.count == 1 && held.allSatisfy { $0.hasPrefix("slots/") }, "\(held)")

                let election = EtcdElection(session: session, name: "leader")
                let leadership = try await election.campaign(value: "me")
                #expect(try await election.leader()?.key == leadership.key)
                #expect(try await keys(under: prefix, etcd) == [leadership.key.stringValue!])
                try await leadership.resign()
                #expect(try await keys(under: prefix, etcd).isEmpty)
            }
        }
    }

    @Test("STM, barriers, queues and the server's lock and election services work on a view")
    func otherRecipes() async throws {
        try await withNamespace("ns-recipes") { etcd, view, prefix in
            try await view.put("from", value: "10")
            try await view.stm { tx in
                let from = Int(try await tx.getString("from") ?? "0") ?? 0
                tx.put("from", value: "\(from - 3)")
                tx.put("to", value: "3")
            }
            #expect(try await etcd.get(EtcdKey(prefix + "to"))?.stringValue == "3")
            try await view.delete(.all)

            let barrier = EtcdBarrier(client: view, key: "gate")
            #expect(try await barrier.hold())
            #expect(try await keys(under: prefix, etcd) == ["gate"])
            try await barrier.release()
            try await barrier.wait()

            let queue = EtcdQueue(client: view, name: "q")
            try await queue.enqueue("item")
            #expect(try await keys(under: prefix, etcd).allSatisfy { $0.hasPrefix("q/") })
            let item = try await queue.dequeue()
            #expect(item.stringValue == "item" && item.key.stringValue?.hasPrefix("q/") == true)
            let priorities = EtcdPriorityQueue(client: view, name: "p")
            try await priorities.enqueue("low", priority: 9)
            try await priorities.enqueue("high", priority: 1)
            #expect(try await priorities.dequeue().stringValue == "high")
            #expect(try await priorities.dequeue().stringValue == "low")
            // What is left are the recipe's guard keys (as in Go's), inside the prefix too.
            #expect(try await keys(under: prefix, etcd) == ["__p/00001", "__p/00009"])
            try await view.delete(.all)

            try await view.withSession(ttl: .seconds(10)) { session in
                let double = EtcdDoubleBarrier(session: session, name: "double", count: 1)
                try await double.enter()
                #expect(try await keys(under: prefix, etcd).contains { $0.hasPrefix("double/") })
                try await double.leave()

                let locked = try await view.lockWithService(name: "svc-lock", lease: session.lease)
                #expect(locked.key.stringValue?.hasPrefix("svc-lock/") == true)
                let lockKeys = try await keys(under: prefix, etcd)
                #expect(lockKeys == [locked.key.stringValue!], "\(lockKeys)")
                try await view.unlockWithService(key: locked.key)
                let leader = try await view.campaignWithService(name: "svc-election", lease: session.lease, value: "v")
                #expect(leader.name == "svc-election" && leader.key.stringValue?.hasPrefix("svc-election/") == true)
                #expect(try await view.leaderWithService(name: "svc-election")?.key == leader.key)
                try await view.resignWithService(leader)
            }
            let left = try await keys(under: prefix, etcd)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test("a view alone keeps its client alive")
    func viewKeepsClientAlive() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let view = try EtcdClient(configuration: cluster.clientConfiguration).namespaced(
            EtcdKey(SharedEtcd.uniquePrefix("ns-alone"))
        )
        try await view.put("k", value: "v")
        #expect(try await view.get("k")?.stringValue == "v")
        try await view.delete("k")
        await view.close()
    }

    @Test("a prefix mirror of a view holds relative keys; views nest; closing a view closes the client")
    func mirrorNestingAndClose() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let prefix = SharedEtcd.uniquePrefix("ns-mirror")
        let etcd = try EtcdClient(configuration: cluster.clientConfiguration)
        let view = etcd.namespaced(EtcdKey(prefix))
        let nested = view.namespaced("inner/")
        #expect(nested.keyPrefix == EtcdKey(prefix + "inner/"))
        try await nested.put("k", value: "deep")
        #expect(try await view.get("inner/k")?.stringValue == "deep")

        let mirror = EtcdPrefixMirror(client: view, prefix: "inner/")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await mirror.run() }
            try await mirror.waitUntilSynchronized()
            #expect(mirror["inner/k"]?.stringValue == "deep")
            let revision = try await nested.put("m", value: "later").header.revision
            try await mirror.wait(for: revision)
            #expect(mirror.keyValues().map(\.key) == ["inner/k", "inner/m"])
            group.cancelAll()
            _ = try? await group.next()
        }
        try await etcd.delete(.prefix(EtcdKey(prefix)))
        await view.close()
        let closed = try await #require(throws: EtcdError.self) { try await etcd.get("any") }
        #expect(closed.code == .clientClosed)
        await etcd.close()
    }
}
