import EtcdClientCore
import EtcdMirror
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// Runs `mirror` in a child task while `body` runs, and stops it afterwards.
private func running<Result: Sendable>(
    _ mirror: EtcdPrefixMirror,
    _ body: () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try? await mirror.run() }
        defer { group.cancelAll() }
        try await mirror.waitUntilSynchronized()
        return try await body()
    }
}

/// Checks that `mirror` holds exactly what etcd holds in its range at the mirror's revision.
private func expectEqualToServer(_ mirror: EtcdPrefixMirror, _ etcd: EtcdClient) async throws {
    let snapshot = mirror.snapshot()
    let stored = try await etcd.get(EtcdGetRequest(mirror.range, revision: snapshot.revision))
    #expect(snapshot.count == stored.keyValues.count)
    #expect(snapshot.keyValues() == stored.keyValues, "key for key, value for value, revisions included")
}

@Suite("Prefix mirror against a real etcd", .timeLimit(.minutes(3)))
struct MirrorTests {
    @Test("the syncer pages a range at one revision, in key order, then watches from the revision after it")
    func syncer() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("syncer")
            for index in 0..<1_500 { try await etcd.put(EtcdKey(prefix + String(1_000 + index)), value: "v") }
            let syncer = EtcdSyncer(client: etcd, range: .prefix(EtcdKey(prefix)))
            #expect(syncer.client === etcd && syncer.range == .prefix(EtcdKey(prefix)))
            var pages: [EtcdSyncPage] = []
            for try await page in syncer.basePages(pageBytes: 2_048) {
                pages.append(page)
                // Written after the sync began: not in it.
                if pages.count == 1 { try await etcd.put(EtcdKey(prefix + "9999"), value: "late") }
            }
            #expect(pages.count > 2, "the first page reads 1,000 keys; later ones follow pageBytes")
            #expect(Set(pages.map(\.revision)).count == 1, "every page at one revision")
            #expect(pages.last?.isLast == true && pages.dropLast().allSatisfy { !$0.isLast })
            let keys = pages.flatMap(\.keyValues).map(\.key)
            #expect(keys.count == 1_500 && keys == keys.sorted())
            let revision = try #require(pages.first?.revision)
            let first = try await syncer.updates(after: revision) { responses -> EtcdWatchEvent? in
                for try await response in responses where !response.events.isEmpty { return response.events[0] }
                return nil
            }
            #expect(first?.keyValue.key == EtcdKey(prefix + "9999"))
            var atRevision: [EtcdSyncPage] = []
            for try await page in syncer.basePages(at: revision) { atRevision.append(page) }
            #expect(atRevision.count == 2, "1,000 keys, then the 500 left, which fit the default page size")
            #expect(
                atRevision.last == EtcdSyncPage(revision: revision, keyValues: atRevision[1].keyValues, isLast: true)
            )
            #expect(atRevision.flatMap(\.keyValues).map(\.key) == keys)
        }
    }

    @Test("a mirror of a key range (not a prefix) holds exactly the keys of that range")
    func keyRange() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mirror-range")
            for name in ["a", "b", "c", "d"] { try await etcd.put(EtcdKey(prefix + name), value: name) }
            let mirror = EtcdPrefixMirror(
                client: etcd,
                range: .range(from: EtcdKey(prefix + "b"), to: EtcdKey(prefix + "d"))
            )
            try await running(mirror) {
                #expect(mirror.keyValues().map(\.stringValue) == ["b", "c"])
                let outside = try await etcd.put(EtcdKey(prefix + "d"), value: "changed")
                let inside = try await etcd.put(EtcdKey(prefix + "b"), value: "changed")
                try await mirror.wait(for: max(outside.header.revision, inside.header.revision))
                #expect(mirror.keyValues().map(\.stringValue) == ["changed", "c"])
            }
        }
    }

    @Test("2,500 keys synced in pages, then puts and deletes followed; lookups, ranges and snapshots match etcd")
    func syncAndFollow() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mirror-sync")
            _ = try await etcd.put(EtcdKey(prefix.dropLast() + "-outside"), value: "not mirrored")
            for index in 0..<2_500 { try await etcd.put(EtcdKey(prefix + "key\(index)"), value: "value \(index)") }
            // Small pages: the sync takes many round trips.
            let mirror = EtcdPrefixMirror(client: etcd, prefix: EtcdKey(prefix), pageBytes: 4_096)
            #expect(mirror.client === etcd && mirror.range == .prefix(EtcdKey(prefix)))
            #expect(!mirror.isSynchronized && mirror.revision == 0)
            try await running(mirror) {
                #expect(mirror.isSynchronized)
                #expect(mirror.count == 2_500)
                #expect(mirror[EtcdKey(prefix + "key7")]?.stringValue == "value 7")
                #expect(mirror[EtcdKey(prefix.dropLast() + "-outside")] == nil)
                try await expectEqualToServer(mirror, etcd)
                let before = mirror.snapshot()
                try await etcd.put(EtcdKey(prefix + "key7"), value: "changed")
                try await etcd.put(EtcdKey(prefix + "new"), value: "added")
                let deleted = try await etcd.delete(EtcdKey(prefix + "key8"))
                try await mirror.wait(for: deleted.header.revision)
                #expect(mirror[EtcdKey(prefix + "key7")]?.stringValue == "changed")
                #expect(mirror[EtcdKey(prefix + "new")]?.stringValue == "added")
                #expect(mirror[EtcdKey(prefix + "key8")] == nil)
                #expect(mirror.count == 2_500)
                #expect(before[EtcdKey(prefix + "key7")]?.stringValue == "value 7", "a snapshot does not change")
                #expect(before[EtcdKey(prefix + "key8")] != nil && before.count == 2_500)
                let underKey1 = mirror.keyValues(in: .prefix(EtcdKey(prefix + "key1"))).count
                #expect(underKey1 == 1_111, "key1, key10-19, key100-199, key1000-1999")
                #expect(
                    mirror.snapshot().count(in: .range(from: EtcdKey(prefix + "key0"), to: EtcdKey(prefix + "key1")))
                        == 1
                )
                try await expectEqualToServer(mirror, etcd)
                #expect(mirror.reloadCount == 0)
            }
        }
    }

    @Test("read your own writes: 1,000 put-then-wait pairs, each lookup sees its value")
    func readYourWrites() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mirror-ryw")
            let mirror = EtcdPrefixMirror(client: etcd, prefix: EtcdKey(prefix))
            try await running(mirror) {
                for index in 0..<1_000 {
                    let key = EtcdKey(prefix + "k\(index % 50)")
                    let put = try await etcd.put(key, value: "v\(index)")
                    try await mirror.wait(for: put.header.revision)
                    #expect(mirror[key]?.stringValue == "v\(index)")
                }
                // A write outside the range: the wait ends through a progress notification.
                let outside = try await etcd.put(EtcdKey(prefix.dropLast() + "-elsewhere"), value: "x")
                try await mirror.wait(for: outside.header.revision)
                #expect(mirror.revision >= outside.header.revision)
            }
        }
    }

    @Test(
        "the change stream starts with the whole content, then each change in order; a slow consumer is told it fell behind"
    )
    func changeStream() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mirror-changes")
            try await etcd.put(EtcdKey(prefix + "a"), value: "1")
            let mirror = EtcdPrefixMirror(client: etcd, prefix: EtcdKey(prefix))
            try await running(mirror) {
                try await mirror.changes { changes in
                    var iterator = changes.makeAsyncIterator()
                    guard case .reloaded(let all, let removed, _)? = try await iterator.next() else {
                        Issue.record("the stream starts with the content")
                        return
                    }
                    #expect(all.map(\.key) == [EtcdKey(prefix + "a")] && removed.isEmpty)
                    let put = try await etcd.put(EtcdKey(prefix + "b"), value: "2")
                    let deleted = try await etcd.delete(EtcdKey(prefix + "a"))
                    let stored = try #require(try await etcd.get(EtcdKey(prefix + "b")))
                    let upserted = try await iterator.next()
                    #expect(upserted == .upserted(stored))
                    let removal = try await iterator.next()
                    #expect(removal == .removed(EtcdKey(prefix + "a"), revision: deleted.header.revision))
                    #expect(put.header.revision < deleted.header.revision)
                }
                try await mirror.changes(bufferSize: 4) { changes in
                    var iterator = changes.makeAsyncIterator()
                    _ = try await iterator.next()
                    // Ten changes in one transaction, while this consumer reads nothing.
                    let burst = try await etcd.txn(
                        if: [],
                        then: (0..<10).map { .put(EtcdKey(prefix + "burst\($0)"), value: "x") }
                    )
                    try await mirror.wait(for: burst.header.revision)
                    let next = try await iterator.next()
                    #expect(next == .fellBehind(revision: burst.header.revision))
                    #expect(mirror.count == 11, "the mirror itself has every change")
                }
            }
        }
    }

    @Test("compaction while the mirror is cut off: one reload that carries what changed, then equal again")
    func compactionWhileCutOff() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: cluster.configuration(through: relay)) { etcd in
                    for index in 0..<20 { try await direct.put(EtcdKey("m/\(index)"), value: "\(index)") }
                    let mirror = EtcdPrefixMirror(client: etcd, prefix: "m/")
                    try await running(mirror) {
                        try await mirror.changes { changes in
                            var iterator = changes.makeAsyncIterator()
                            _ = try await iterator.next()
                            relay.set(.cut)
                            try await direct.put("m/0", value: "changed")
                            try await direct.delete("m/1")
                            let last = try await direct.put("m/new", value: "added")
                            _ = try await direct.compact(revision: last.header.revision, physical: true)
                            relay.set(.pass)
                            guard case .reloaded(let upserted, let removed, let revision)? = try await iterator.next()
                            else {
                                Issue.record("a compacted revision gives one reload")
                                return
                            }
                            #expect(upserted.map(\.key) == ["m/0", "m/new"])
                            #expect(removed == ["m/1"])
                            #expect(revision >= last.header.revision)
                        }
                        #expect(mirror.reloadCount == 1)
                        try await expectEqualToServer(mirror, direct)
                    }
                }
            }
        }
    }

    @Test("after a reconnect over which only other keys changed, a wait for a revision outside the range returns")
    func waitOutsideRangeAfterReconnect() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: cluster.configuration(through: relay)) { etcd in
                    try await direct.put("q/a", value: "1")
                    let mirror = EtcdPrefixMirror(client: etcd, prefix: "q/")
                    try await running(mirror) {
                        relay.set(.cut)
                        for index in 0..<5 { try await direct.put(EtcdKey("other/\(index)"), value: "x") }
                        relay.set(.pass)
                        // Written through the relay, so the client is connected again; the mirror's watch resumes
                        // from before the writes elsewhere, and no event in its range says it caught up.
                        let outside = try await etcd.put("other/last", value: "x").header.revision
                        try await withTestDeadline(.seconds(20), "the mirror's wait for \(outside)") {
                            try await mirror.wait(for: outside)
                        }
                        #expect(mirror.revision >= outside)
                        #expect(mirror.keyValues().map(\.key) == ["q/a"])
                    }
                }
            }
        }
    }

    @Test("100,000 keys synced in pages, then 10,000 updates and deletes while etcd is killed and restarted twice")
    func mirrorThroughRestarts() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            let member = cluster.members[0]
            try await withEtcdClient(configuration: cluster.quickReconnectConfiguration) { etcd in
                let total = 100_000
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in 0..<8 {
                        group.addTask {
                            for batch in stride(from: task * 100, to: total, by: 800) {
                                let puts = (batch..<(batch + 100)).map {
                                    EtcdOperation.put(EtcdKey("svc/\($0)"), value: "v0")
                                }
                                _ = try await etcd.txn(if: [], then: puts)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let mirror = EtcdPrefixMirror(client: etcd, prefix: "svc/")
                try await running(mirror) {
                    #expect(mirror.count == total)
                    // Four writers; the one that reaches step 3,000 or 7,000 kills and restarts etcd while the
                    // others go on (a write cut off by the kill may or may not be applied: the check compares the
                    // mirror with what etcd has).
                    let steps = LockedValue(0)
                    let newest = LockedValue<Int64>(0)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for writer in 0..<4 {
                            group.addTask {
                                var generator = SplitMix64(seed: 12 + UInt64(writer))
                                while true {
                                    let step = steps.withLock { next in
                                        defer { next += 1 }
                                        return next
                                    }
                                    if step >= 10_000 { return }
                                    if step == 3_000 || step == 7_000 {
                                        member.kill()
                                        try member.start()
                                        try await member.waitUntilHealthy()
                                    }
                                    let key = EtcdKey("svc/\(generator.next() % UInt64(total))")
                                    do {
                                        let header =
                                            step % 4 == 0
                                            ? try await etcd.delete(key).header
                                            : try await etcd.put(key, value: "v\(step)").header
                                        newest.withLock { $0 = max($0, header.revision) }
                                    } catch is EtcdError {
                                        // Cut off by a restart.
                                    }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let last = newest.withLock { $0 }
                    try await mirror.wait(for: last)
                    try await expectEqualToServer(mirror, etcd)
                    #expect(mirror.reloadCount == 0, "the watch resumed: nothing to read again")
                }
            }
        }
    }

    @Test("a mirror through mutual TLS and password authentication syncs and follows")
    func tlsAndAuthentication() async throws {
        let certificates = try EtcdTestCertificates()
        defer { certificates.remove() }
        try await withEtcdTestCluster(certificates: certificates) { cluster in
            try await cluster.enableRootAuthentication()
            try await withEtcdClient(configuration: cluster.configuration(user: "root")) { etcd in
                try await etcd.put("secure/a", value: "1")
                let mirror = EtcdPrefixMirror(client: etcd, prefix: "secure/")
                try await running(mirror) {
                    #expect(mirror["secure/a"]?.stringValue == "1")
                    let put = try await etcd.put("secure/b", value: "2")
                    try await mirror.wait(for: put.header.revision)
                    try await expectEqualToServer(mirror, etcd)
                }
            }
        }
    }

    @Test("the leader the mirror's client is on is killed during 250 writes: the mirror moves on and equals etcd")
    func leaderKilled() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let leader = try await cluster.leadership().leader
            try await withEtcdClient(configuration: cluster.configuration(startingOn: leader)) { watching in
                try await withEtcdClient(configuration: cluster.configuration(avoiding: leader)) { writer in
                    for index in 0..<200 { try await writer.put(EtcdKey("fleet/\(index)"), value: "up") }
                    let mirror = EtcdPrefixMirror(client: watching, prefix: "fleet/")
                    try await running(mirror) {
                        var last: Int64 = 0
                        for step in 0..<250 {
                            if step == 100 { cluster.members[leader].kill() }
                            let key = EtcdKey("fleet/\(step % 250)")
                            do {
                                if step % 5 == 0 {
                                    last = try await writer.delete(key).header.revision
                                } else {
                                    last = try await writer.put(key, value: "v\(step)").header.revision
                                }
                            } catch is EtcdError {
                                // Lost in the election: applied or not, the mirror must show what etcd has.
                            }
                        }
                        try await mirror.wait(for: last)
                        try await expectEqualToServer(mirror, writer)
                        #expect(mirror.reloadCount == 0)
                    }
                }
            }
        }
    }

    @Test("a cancelled run ends the change streams and fails the waiters with cancelled; a second run is refused")
    func cancelledRun() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mirror-cancel")
            let mirror = EtcdPrefixMirror(client: etcd, prefix: EtcdKey(prefix))
            let run = Task { try await mirror.run() }
            try await mirror.waitUntilSynchronized()
            let second = await #expect(throws: EtcdError.self) { try await mirror.run() }
            #expect(second?.code == .invalidArgument)
            let waiter = Task { try await mirror.wait(for: Int64.max) }
            let stream = Task {
                try await mirror.changes { changes in
                    var count = 0
                    for try await _ in changes { count += 1 }
                    return count
                }
            }
            while mirror.waiterCount < 1 || mirror.subscriberCount < 1 { await Task.yield() }
            run.cancel()
            await #expect(throws: CancellationError.self) { try await run.value }
            let waited = await #expect(throws: EtcdError.self) { try await waiter.value }
            #expect(waited?.code == .cancelled)
            #expect(try await stream.value >= 1, "the stream had the content, then ended")
        }
    }
}
