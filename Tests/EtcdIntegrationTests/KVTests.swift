import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Key-value against a real etcd", .timeLimit(.minutes(1)))
struct KVTests {
    @Test("put then get returns the value, revisions, version and header")
    func putThenGet() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("putget") + "a")
            let put = try await etcd.put(key, value: "hello")
            #expect(put.header.revision > 0)
            #expect(put.header.clusterID != 0)
            #expect(put.header.memberID != 0)
            #expect(put.header.raftTerm > 0)
            #expect(put.previous == nil)
            let kv = try #require(try await etcd.get(key))
            #expect(kv.stringValue == "hello")
            #expect(kv.key == key)
            #expect(kv.createRevision == put.header.revision)
            #expect(kv.modRevision == put.header.revision)
            #expect(kv.version == 1)
            #expect(kv.lease == nil)
            let second = try await etcd.put(key, value: "again", includePrevious: true)
            #expect(second.previous?.stringValue == "hello")
            #expect(second.previous?.modRevision == put.header.revision)
            let updated = try #require(try await etcd.get(key))
            #expect(updated.version == 2)
            #expect(updated.createRevision == put.header.revision)
            #expect(updated.modRevision == second.header.revision)
            #expect(try await etcd.get(EtcdKey(SharedEtcd.uniquePrefix("missing"))) == nil)
        }
    }

    @Test("ranges: key, prefix, half-open range, from a key, and everything")
    func rangeShapes() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("ranges")
            for name in ["a", "b", "c", "d"] { try await etcd.put(EtcdKey(prefix + name), value: name) }
            try await etcd.put(EtcdKey(String(prefix.dropLast()) + "0"), value: "outside")  // sorts after the prefix

            let single = try await etcd.get(.key(EtcdKey(prefix + "b")))
            #expect(single.keyValues.map(\.stringValue) == ["b"])
            let byPrefix = try await etcd.get(.prefix(EtcdKey(prefix)))
            #expect(byPrefix.keyValues.map(\.stringValue) == ["a", "b", "c", "d"])
            #expect(byPrefix.count == 4)
            #expect(!byPrefix.hasMore)
            let halfOpen = try await etcd.get(.range(from: EtcdKey(prefix + "b"), to: EtcdKey(prefix + "d")))
            #expect(halfOpen.keyValues.map(\.stringValue) == ["b", "c"])
            let fromKey = try await etcd.get(.from(EtcdKey(prefix + "c")))
            #expect(fromKey.keyValues.prefix(3).map(\.stringValue) == ["c", "d", "outside"])
            let everything = try await etcd.count(.all)
            #expect(everything >= 5)
        }
    }

    @Test("limit, sort order and target, keys-only and count-only")
    func rangeOptions() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("options")
            // Written in the order c, a, b so that key order and revision order differ.
            for (name, value) in [("c", "3"), ("a", "1"), ("b", "22")] {
                try await etcd.put(EtcdKey(prefix + name), value: value)
            }
            try await etcd.put(EtcdKey(prefix + "c"), value: "333")  // c: version 2, newest mod revision

            let limited = try await etcd.get(.prefix(EtcdKey(prefix)), limit: 2)
            #expect(limited.keyValues.map(\.key.description) == [prefix + "a", prefix + "b"])
            #expect(limited.hasMore)
            #expect(limited.count == 3)

            let byKeyDescending = try await etcd.get(.prefix(EtcdKey(prefix)), sort: .descending(by: .key))
            #expect(byKeyDescending.keyValues.map(\.stringValue) == ["333", "22", "1"])
            let byCreate = try await etcd.get(.prefix(EtcdKey(prefix)), sort: .ascending(by: .createRevision))
            #expect(byCreate.keyValues.map(\.stringValue) == ["333", "1", "22"])
            let byMod = try await etcd.get(.prefix(EtcdKey(prefix)), sort: .descending(by: .modRevision))
            #expect(byMod.keyValues.map(\.stringValue) == ["333", "22", "1"])
            let byVersion = try await etcd.get(.prefix(EtcdKey(prefix)), sort: .descending(by: .version))
            #expect(byVersion.keyValues.first?.stringValue == "333")
            let byValue = try await etcd.get(.prefix(EtcdKey(prefix)), sort: .ascending(by: .value))
            #expect(byValue.keyValues.map(\.stringValue) == ["1", "22", "333"])

            let keysOnly = try await etcd.get(.prefix(EtcdKey(prefix)), keysOnly: true)
            #expect(keysOnly.keyValues.count == 3)
            #expect(keysOnly.keyValues.allSatisfy { $0.value.isEmpty && $0.modRevision > 0 })

            let countOnly = try await etcd.get(EtcdGetRequest(.prefix(EtcdKey(prefix)), output: .countOnly))
            #expect(countOnly.count == 3)
            #expect(countOnly.keyValues.isEmpty)

            let serializable = try await etcd.get(.prefix(EtcdKey(prefix)), consistency: .serializable)
            #expect(serializable.keyValues.count == 3)
        }
    }

    @Test("reads at a revision and revision bounds on creation and modification")
    func revisionsAndBounds() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("revisions")
            let first = try await etcd.put(EtcdKey(prefix + "x"), value: "v1").header.revision
            let second = try await etcd.put(EtcdKey(prefix + "y"), value: "v1").header.revision
            let third = try await etcd.put(EtcdKey(prefix + "x"), value: "v2").header.revision

            let old = try await etcd.get(EtcdKey(prefix + "x"), revision: first)
            #expect(old?.stringValue == "v1")
            let atSecond = try await etcd.get(.prefix(EtcdKey(prefix)), revision: second)
            #expect(atSecond.keyValues.map(\.stringValue) == ["v1", "v1"])
            #expect(atSecond.header.revision >= third)

            let modifiedLately = try await etcd.get(
                EtcdGetRequest(.prefix(EtcdKey(prefix)), modRevision: .atLeast(third))
            )
            #expect(modifiedLately.keyValues.map(\.key.description) == [prefix + "x"])
            let modifiedEarly = try await etcd.get(
                EtcdGetRequest(.prefix(EtcdKey(prefix)), modRevision: .atMost(second))
            )
            #expect(modifiedEarly.keyValues.map(\.key.description) == [prefix + "y"])
            let createdFirst = try await etcd.get(
                EtcdGetRequest(.prefix(EtcdKey(prefix)), createRevision: .within(first...first))
            )
            #expect(createdFirst.keyValues.map(\.key.description) == [prefix + "x"])
            let createdLater = try await etcd.get(
                EtcdGetRequest(.prefix(EtcdKey(prefix)), createRevision: .atLeast(second))
            )
            #expect(createdLater.keyValues.map(\.key.description) == [prefix + "y"])
        }
    }

    @Test("delete a key, a prefix and a range, with previous values")
    func deletions() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("delete")
            for name in ["a", "b", "c", "d", "e"] { try await etcd.put(EtcdKey(prefix + name), value: "v-" + name) }
            let one = try await etcd.delete(EtcdKey(prefix + "a"), includePrevious: true)
            #expect(one.deleted == 1)
            #expect(one.previous.map(\.stringValue) == ["v-a"])
            let none = try await etcd.delete(EtcdKey(prefix + "a"))
            #expect(none.deleted == 0)
            let range = try await etcd.delete(.range(from: EtcdKey(prefix + "b"), to: EtcdKey(prefix + "d")))
            #expect(range.deleted == 2)
            #expect(range.previous.isEmpty)
            let rest = try await etcd.delete(.prefix(EtcdKey(prefix)), includePrevious: true)
            #expect(rest.deleted == 2)
            #expect(rest.previous.map(\.stringValue) == ["v-d", "v-e"])
            #expect(try await etcd.count(.prefix(EtcdKey(prefix))) == 0)
        }
    }

    @Test("put with a lease, keeping the current value, and keeping the current lease")
    func putWithLeaseOptions() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("lease") + "k")
            let lease = try await etcd.grantLease(ttl: .seconds(60))
            #expect(lease.ttl >= .seconds(60))
            try await etcd.put(key, value: "v1", lease: lease.id)
            #expect(try await etcd.get(key)?.lease == lease.id)

            try await etcd.put(EtcdPutRequest(key, value: .set(Array("v2".utf8)), lease: .keepCurrent))
            let kept = try #require(try await etcd.get(key))
            #expect(kept.stringValue == "v2")
            #expect(kept.lease == lease.id)

            try await etcd.put(EtcdPutRequest(key, value: .keepCurrent, lease: .none))
            let detached = try #require(try await etcd.get(key))
            #expect(detached.stringValue == "v2")
            #expect(detached.lease == nil)

            try await etcd.put(key, value: "v3", lease: lease.id)
            try await etcd.revokeLease(lease.id)
            #expect(try await etcd.get(key) == nil, "revoking the lease deletes its keys")
        }
    }

    @Test("compaction: old revisions fail with compacted, physical compaction works, future revisions fail")
    func compaction() async throws {
        // Its own etcd: compaction is store-wide and would break other tests' reads of old revisions.
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let key = EtcdKey(SharedEtcd.uniquePrefix("compact") + "k")
                let first = try await etcd.put(key, value: "1").header.revision
                let second = try await etcd.put(key, value: "2").header.revision
                try await etcd.compact(revision: second, physical: true)
                let error = try await #require(throws: EtcdError.self) { try await etcd.get(key, revision: first) }
                #expect(error.code == .compacted)
                #expect(try await etcd.get(key, revision: second)?.stringValue == "2")
                let again = try await #require(throws: EtcdError.self) { try await etcd.compact(revision: first) }
                #expect(again.code == .compacted)
                let future = try await #require(throws: EtcdError.self) {
                    try await etcd.get(key, revision: second + 1_000_000)
                }
                #expect(future.code == .futureRevision)
            }
        }
    }
}
