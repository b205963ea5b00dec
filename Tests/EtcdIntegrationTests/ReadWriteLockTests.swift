import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// Who holds a read-write lock right now, as the holders themselves report it.
private final class HolderCount: Sendable {
    private struct State {
        var readers = 0
        var writers = 0
        var violations: [String] = []
    }

    private let state = LockedValue(State())

    func enterRead() {
        state.withLock { state in
            state.readers += 1
            if state.writers > 0 { state.violations.append("a reader entered while a writer held") }
        }
    }

    func leaveRead() { state.withLock { $0.readers -= 1 } }

    func enterWrite() {
        state.withLock { state in
            state.writers += 1
            if state.writers > 1 || state.readers > 0 {
                state.violations.append("a writer entered with \(state.readers) readers, \(state.writers) writers")
            }
        }
    }

    func leaveWrite() { state.withLock { $0.writers -= 1 } }

    var violations: [String] { state.withLock { $0.violations } }
}

@Suite("Read-write lock against a real etcd", .timeLimit(.minutes(2)))
struct ReadWriteLockTests {
    @Test("keys are the Go layout: name/read/<nanoseconds> and name/write/<nanoseconds>, on the session's lease")
    func keyLayout() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("rwlock-layout") + "rw"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let lock = EtcdReadWriteLock(session: session, name: name)
                #expect(lock.prefix == EtcdKey(name + "/"))
                #expect(lock.session === session)
                let read = try await lock.readLock()
                let readKey = try #require(read.key.stringValue)
                #expect(readKey.hasPrefix(name + "/read/"))
                #expect(Int64(readKey.dropFirst((name + "/read/").count)) != nil)
                let stored = try #require(try await etcd.get(read.key))
                #expect(stored.lease == session.lease)
                #expect(stored.createRevision == read.revision)
                try await lock.unlock(read)
                #expect(try await etcd.get(read.key) == nil)
                let write = try await lock.writeLock()
                #expect(write.key.stringValue?.hasPrefix(name + "/write/") == true)
                try await lock.unlock(write)
                #expect(try await etcd.count(.prefix(lock.prefix)) == 0)
            }
        }
    }

    @Test("readers overlap; a writer waits for them; a reader that came after a waiting writer waits for it")
    func fairness() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("rwlock-fair") + "rw"
            let prefix = EtcdKey(name + "/")
            let sessions = try await (0..<4).asyncMap { _ in
                try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            }
            let locks = sessions.map { EtcdReadWriteLock(session: $0, name: name) }
            // Two readers hold at once: the second does not wait for the first.
            let first = try await locks[0].readLock()
            let second = try await locks[1].readLock()
            let order = LockedValue<[String]>([])
            let writer = Task {
                let held = try await locks[2].writeLock()
                order.withLock { $0.append("writer") }
                return held
            }
            while try await etcd.count(.prefix(prefix)) < 3 { await Task.yield() }
            let lateReader = Task {
                let held = try await locks[3].readLock()
                order.withLock { $0.append("late reader") }
                return held
            }
            while try await etcd.count(.prefix(prefix)) < 4 { await Task.yield() }
            #expect(order.withLock { $0 }.isEmpty, "the writer waits for the readers, the late reader for the writer")
            try await locks[0].unlock(first)
            try await locks[1].unlock(second)
            let written = try await writer.value
            #expect(order.withLock { $0 } == ["writer"])
            try await locks[2].unlock(written)
            let read = try await lateReader.value
            #expect(order.withLock { $0 } == ["writer", "late reader"])
            try await locks[3].unlock(read)
            for session in sessions { try await session.close() }
        }
    }

    @Test("4 readers and 2 writers in loops: a writer is always alone")
    func exclusion() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("rwlock-exclusion") + "rw"
            let holders = HolderCount()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await etcd.withSession(ttl: .seconds(10)) { session in
                            let lock = EtcdReadWriteLock(session: session, name: name)
                            for _ in 0..<15 {
                                if index < 2 {
                                    try await lock.withWriteLock { _ in
                                        holders.enterWrite()
                                        try await Task.sleep(for: .milliseconds(2))
                                        holders.leaveWrite()
                                    }
                                } else {
                                    try await lock.withReadLock { _ in
                                        holders.enterRead()
                                        try await Task.sleep(for: .milliseconds(2))
                                        holders.leaveRead()
                                    }
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(holders.violations.isEmpty)
            #expect(try await etcd.count(.prefix(EtcdKey(name + "/"))) == 0)
        }
    }

    @Test("a cancelled wait for the write lock removes its key, and readers behind it go on")
    func cancelledWait() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("rwlock-cancel") + "rw"
            let prefix = EtcdKey(name + "/")
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let lock = EtcdReadWriteLock(session: session, name: name)
                let reading = try await lock.readLock()
                let writer = Task { try await lock.writeLock() }
                while try await etcd.count(.prefix(prefix)) < 2 { await Task.yield() }
                writer.cancel()
                await #expect(throws: CancellationError.self) { try await writer.value }
                #expect(try await etcd.count(.prefix(EtcdKey(name + "/write/"))) == 0)
                let another = try await lock.readLock()
                try await lock.unlock(another)
                try await lock.unlock(reading)
            }
        }
    }

    @Test("the scoped forms release when the body throws, and the fence fails after release")
    func scopedRelease() async throws {
        struct Failure: Error {}
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("rwlock-scoped") + "rw"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let lock = EtcdReadWriteLock(session: session, name: name)
                let fenced = EtcdKey(name + "-guarded")
                let fence = try await lock.withWriteLock { ownership in
                    let write = try await etcd.txn(if: [ownership.fence], then: [.put(fenced, value: "1")])
                    #expect(write.succeeded)
                    return ownership.fence
                }
                let late = try await etcd.txn(if: [fence], then: [.put(fenced, value: "2")])
                #expect(!late.succeeded, "a fence of a released lock no longer holds")
                await #expect(throws: Failure.self) {
                    try await lock.withReadLock { _ in throw Failure() }
                }
                #expect(try await etcd.count(.prefix(lock.prefix)) == 0)
            }
        }
    }
}

extension Sequence {
    /// Maps with an async transform, one element after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
