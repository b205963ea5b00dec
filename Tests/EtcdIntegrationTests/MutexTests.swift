import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// Intervals during which a contender believed it held the lock, to check that none overlap.
private final class HoldLog: Sendable {
    let intervals = LockedValue<[(start: ContinuousClock.Instant, end: ContinuousClock.Instant)]>([])
    let order = LockedValue<[Int]>([])
}

@Suite("Mutex against a real etcd", .timeLimit(.minutes(2)))
struct MutexTests {
    @Test("the key is the Go layout: name/ + the lease ID in lower-case hex, with the lease attached")
    func keyLayout() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-layout") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let mutex = EtcdMutex(session: session, name: name)
                #expect(mutex.currentOwnership == nil)
                let ownership = try await mutex.lock()
                #expect(mutex.currentOwnership == ownership)
                let expected = name + "/" + String(UInt64(bitPattern: session.lease.rawValue), radix: 16)
                #expect(ownership.key == EtcdKey(expected))
                let stored = try #require(try await etcd.get(ownership.key))
                #expect(stored.lease == session.lease)
                #expect(stored.createRevision == ownership.revision)
                #expect(stored.value.isEmpty)
                try await mutex.unlock()
                #expect(mutex.currentOwnership == nil)
                #expect(try await etcd.get(ownership.key) == nil)
            }
        }
    }

    @Test("8 contenders x 100 acquisitions with fenced increments: the counter ends at 800, no overlap")
    func contendedCounter() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mutex-counter")
            let counter = EtcdKey(prefix + "counter")
            try await etcd.put(counter, value: "0")
            let log = HoldLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await etcd.withSession(ttl: .seconds(10)) { session in
                            let mutex = EtcdMutex(session: session, name: prefix + "lock")
                            for _ in 0..<100 {
                                try await mutex.withLock { ownership in
                                    let start = ContinuousClock.now
                                    let current = try #require(try await etcd.get(counter))
                                    let value = Int(current.stringValue ?? "") ?? -1
                                    let write = try await etcd.txn(
                                        if: [ownership.fence, .modRevision(counter, .equal, current.modRevision)],
                                        then: [.put(counter, value: String(value + 1))]
                                    )
                                    #expect(write.succeeded, "a fenced write under the lock commits")
                                    log.intervals.withLock { $0.append((start, ContinuousClock.now)) }
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await etcd.get(counter)?.stringValue == "800")
            let intervals = log.intervals.withLock { $0 }.sorted { $0.start < $1.start }
            #expect(intervals.count == 800)
            let overlaps = zip(intervals, intervals.dropFirst()).filter { $1.start < $0.end }.count
            #expect(overlaps == 0)
        }
    }

    @Test("waiters acquire in arrival order")
    func arrivalOrder() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-order") + "lock"
            let log = HoldLog()
            try await etcd.withSession(ttl: .seconds(10)) { holderSession in
                let holder = EtcdMutex(session: holderSession, name: name)
                try await holder.lock()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<4 {
                        let session = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
                        let mutex = EtcdMutex(session: session, name: name)
                        group.addTask {
                            try await mutex.withLock { _ in log.order.withLock { $0.append(index) } }
                            try await session.close()
                        }
                        // Arrival: the waiter's key exists before the next one starts.
                        while try await etcd.get(mutex.key) == nil { await Task.yield() }
                    }
                    try await holder.unlock()
                    try await group.waitForAll()
                }
            }
            #expect(log.order.withLock { $0 } == [0, 1, 2, 3])
        }
    }

    @Test("tryLock returns at once when the lock is held, leaving no key behind")
    func tryLock() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-try") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { first in
                try await etcd.withSession(ttl: .seconds(10)) { second in
                    let holder = EtcdMutex(session: first, name: name)
                    let other = EtcdMutex(session: second, name: name)
                    _ = try #require(try await holder.tryLock())
                    #expect(try await other.tryLock() == nil)
                    #expect(try await etcd.get(other.key) == nil, "no key of the loser is left")
                    #expect(try await other.withLockIfAvailable { _ in true } == nil)
                    try await holder.unlock()
                    let taken = try #require(try await other.tryLock())
                    #expect(taken.key == other.key)
                    try await other.unlock()
                }
            }
        }
    }

    @Test("a cancelled wait removes our key")
    func cancelledWait() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-cancel") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { first in
                let holder = EtcdMutex(session: first, name: name)
                try await holder.lock()
                let session = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
                let waiter = EtcdMutex(session: session, name: name)
                let task = Task { try await waiter.lock() }
                while try await etcd.get(waiter.key) == nil { await Task.yield() }
                task.cancel()
                await #expect(throws: CancellationError.self) { try await task.value }
                #expect(try await etcd.get(waiter.key) == nil)
                try await holder.unlock()
                try await session.close()
            }
        }
    }

    @Test("the session's lease revoked from outside: the body is cancelled and its fenced write fails")
    func leaseRevokedWhileHeld() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("mutex-revoked")
            let guarded = EtcdKey(prefix + "guarded")
            let session = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            let mutex = EtcdMutex(session: session, name: prefix + "lock")
            let held = AsyncCounter()
            let bodyCancelled = AsyncCounter()
            let task = Task {
                try await mutex.withLock { ownership in
                    held.increment()
                    do {
                        try await Task.sleep(for: .seconds(60))
                    } catch {
                        bodyCancelled.increment()
                        // The fenced write of a holder whose lease is gone does not commit.
                        let write = try await etcd.txn(if: [ownership.fence], then: [.put(guarded, value: "late")])
                        #expect(!write.succeeded)
                        throw error
                    }
                }
            }
            await held.wait(for: 1)
            try await etcd.revokeLease(session.lease)
            let error = try await #require(throws: EtcdError.self) { try await task.value }
            #expect(error.code == .sessionExpired)
            #expect(bodyCancelled.value == 1)
            #expect(try await etcd.get(guarded) == nil)
            #expect(!session.isAlive)
        }
    }

    @Test("the server's Lock service contends with ours on the same name")
    func lockService() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-service") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let lease = try await etcd.grantLease(ttl: .seconds(10))
                let (serverKey, _) = try await etcd.lockWithService(name: EtcdKey(name), lease: lease.id)
                #expect(serverKey == EtcdKey(name + "/" + lease.id.description))
                let mutex = EtcdMutex(session: session, name: name)
                #expect(try await mutex.tryLock() == nil, "the service's holder blocks ours")
                try await etcd.unlockWithService(key: serverKey)
                #expect(try await mutex.tryLock() != nil)
                try await mutex.unlock()
                try await etcd.revokeLease(lease.id)
            }
        }
    }
}

@Suite("Interoperability with etcdctl lock and elect", .timeLimit(.minutes(1)))
struct EtcdctlRecipeInteropTests {
    @Test("etcdctl lock holds: we wait; it releases: we acquire. We hold: etcdctl waits; we release: it acquires")
    func lockBothWays() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let endpoints = "--endpoints=\(cluster.members[0].clientURL)"
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("interop-lock") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let mutex = EtcdMutex(session: session, name: name)
                let theirs = try EtcdTestBackgroundProcess(
                    "etcdctl",
                    package: "etcd-client",
                    arguments: [endpoints, "lock", name],
                    environment: ["ETCDCTL_API": "3"]
                )
                let held = await theirs.waitForLines(1)
                #expect(held.first?.hasPrefix(name + "/") == true, "etcdctl printed its key \(held)")
                #expect(try await mutex.tryLock() == nil)
                let waiting = Task { try await mutex.lock() }
                while try await etcd.get(mutex.key) == nil { await Task.yield() }
                theirs.stop()
                let ownership = try await waiting.value
                #expect(ownership.key == mutex.key)

                let second = try EtcdTestBackgroundProcess(
                    "etcdctl",
                    package: "etcd-client",
                    arguments: [endpoints, "lock", name],
                    environment: ["ETCDCTL_API": "3"]
                )
                defer { second.stop() }
                // etcdctl queued its key behind ours and printed nothing yet.
                var queued = try await etcd.get(.prefix(EtcdKey(name + "/")))
                while queued.keyValues.count < 2 {
                    await Task.yield()
                    queued = try await etcd.get(.prefix(EtcdKey(name + "/")))
                }
                #expect(second.lines.isEmpty)
                try await mutex.unlock()
                let acquired = await second.waitForLines(1)
                #expect(acquired.first == queued.keyValues[1].key.description)
            }
        }
    }

    @Test("etcdctl elect sees our leader, and we see its")
    func electBothWays() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let endpoints = "--endpoints=\(cluster.members[0].clientURL)"
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("interop-elect") + "election"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let election = EtcdElection(session: session, name: name)
                let leadership = try await election.campaign(value: "swift-leader")
                let observer = try EtcdTestBackgroundProcess(
                    "etcdctl",
                    package: "etcd-client",
                    arguments: [endpoints, "elect", "-l", name],
                    environment: ["ETCDCTL_API": "3"]
                )
                let seen = await observer.waitForLines(2)
                observer.stop()
                #expect(seen.prefix(2) == [leadership.key.description, "swift-leader"])
                try await leadership.resign()

                let theirs = try EtcdTestBackgroundProcess(
                    "etcdctl",
                    package: "etcd-client",
                    arguments: [endpoints, "elect", name, "go-leader"],
                    environment: ["ETCDCTL_API": "3"]
                )
                defer { theirs.stop() }
                let won = await theirs.waitForLines(2)
                #expect(won.count >= 2)
                let leader = try #require(try await election.leader())
                #expect(leader.stringValue == "go-leader")
                #expect(leader.key.description == won.first)
            }
        }
    }
}
