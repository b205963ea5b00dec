import Testing

@testable import EtcdClientCore
@testable import EtcdMirror

private func keyValue(_ key: EtcdKey, _ value: String, at revision: Int64) -> EtcdKeyValue {
    EtcdKeyValue(
        key: key,
        value: Array(value.utf8),
        createRevision: revision,
        modRevision: revision,
        version: 1,
        lease: nil
    )
}

private func event(
    _ kind: EtcdWatchEvent.Kind,
    _ key: EtcdKey,
    _ value: String = "",
    at revision: Int64
) -> EtcdWatchEvent {
    EtcdWatchEvent(kind: kind, keyValue: keyValue(key, value, at: revision), previous: nil)
}

@Suite("Mirror content, change buffers and key ranges, without I/O")
struct MirrorContentTests {
    @Test("keys stay in order through appends, upserts and removals; ranges and counts follow etcd's range rules")
    func orderAndRanges() {
        var content = MirrorContent()
        for key in ["a/1", "a/3", "b/1"] { content.append(keyValue(EtcdKey(key), key, at: 2)) }
        content.upsert(keyValue("a/2", "new", at: 3))
        content.upsert(keyValue("a/1", "changed", at: 4))
        #expect(content.orderedKeys == ["a/1", "a/2", "a/3", "b/1"])
        #expect(content.values["a/1"]?.stringValue == "changed")
        let removed = content.remove("a/3")
        let removedAgain = content.remove("a/3")
        #expect(removed)
        #expect(!removedAgain, "removing a missing key is reported")
        #expect(content.keyValues(in: .prefix("a/")).map(\.key) == ["a/1", "a/2"])
        #expect(content.keyValues(in: .key("a/2")).map(\.key) == ["a/2"])
        #expect(content.keyValues(in: .key("a/9")).isEmpty)
        #expect(content.keyValues(in: .range(from: "a/2", to: "b/1")).map(\.key) == ["a/2"])
        #expect(content.keyValues(in: .from("a/2")).map(\.key) == ["a/2", "b/1"])
        #expect(content.count(in: .all) == 3)
        #expect(content.count(in: .prefix("b/")) == 1)
    }

    @Test("watch events apply in order: puts upsert, deletes of held keys remove, each reported with its revision")
    func events() {
        var content = MirrorContent()
        let changes = content.apply([
            event(.put, "k", "1", at: 5), event(.put, "j", "2", at: 5), event(.delete, "k", at: 6),
            event(.delete, "missing", at: 7),
        ])
        #expect(
            changes == [
                .upserted(keyValue("k", "1", at: 5)), .upserted(keyValue("j", "2", at: 5)), .removed("k", revision: 6),
            ]
        )
        #expect(content.orderedKeys == ["j"])
    }

    @Test("a reload reports the keys added or changed and those gone")
    func difference() {
        var before = MirrorContent()
        for key in ["a", "b", "c"] { before.append(keyValue(EtcdKey(key), key, at: 1)) }
        var after = MirrorContent()
        after.append(keyValue("a", "a", at: 1))
        after.append(keyValue("b", "changed", at: 9))
        after.append(keyValue("d", "d", at: 9))
        let (upserted, removed) = before.difference(to: after)
        #expect(upserted.map(\.key) == ["b", "d"])
        #expect(removed == ["c"])
    }

    @Test("key ranges contain what etcd would return for them")
    func rangeContains() {
        #expect(EtcdKeyRange.key("a").contains("a") && !EtcdKeyRange.key("a").contains("ab"))
        #expect(EtcdKeyRange.prefix("a/").contains("a/x") && !EtcdKeyRange.prefix("a/").contains("b"))
        #expect(
            EtcdKeyRange.range(from: "b", to: "d").contains("c")
                && !EtcdKeyRange.range(from: "b", to: "d").contains("d")
        )
        #expect(EtcdKeyRange.from("m").contains("z") && !EtcdKeyRange.from("m").contains("a"))
        #expect(EtcdKeyRange.all.contains("anything"))
    }

    @Test("a consumer that falls behind gets fellBehind in place of what it missed, then the changes after")
    func fellBehind() async throws {
        let buffer = MirrorChangeBuffer(limit: 2)
        buffer.push([.removed("a", revision: 1), .removed("b", revision: 2)], revision: 2)
        buffer.push([.removed("c", revision: 3)], revision: 3)
        buffer.push([.removed("d", revision: 4)], revision: 4)
        #expect(try await buffer.next() == .fellBehind(revision: 3))
        #expect(try await buffer.next() == .removed("d", revision: 4))
        let waiting = Task { try await buffer.next() }
        buffer.push([.removed("e", revision: 5)], revision: 5)
        #expect(try await waiting.value == .removed("e", revision: 5))
        buffer.finish(.success(()))
        #expect(try await buffer.next() == nil)
    }

    @Test("a change stream of a failed mirror throws its error; a cancelled wait throws CancellationError")
    func endings() async throws {
        let failed = MirrorChangeBuffer(limit: 4)
        failed.finish(.failure(EtcdError(.permissionDenied, message: "no")))
        await #expect(throws: EtcdError.self) { try await failed.next() }
        let idle = MirrorChangeBuffer(limit: 4)
        let waiting = Task { try await idle.next() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }
}
