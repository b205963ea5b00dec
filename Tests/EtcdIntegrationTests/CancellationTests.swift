import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Synchronization
import Testing
import _EtcdTestSupport

/// Whether a task has finished, for a test that must not hang on one that never does.
private final class Finished: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Watches `task` and records when it ends.
    init<Success: Sendable>(_ task: Task<Success, any Error>) {
        Task { [self] in
            _ = await task.result
            flag.store(true, ordering: .releasing)
        }
    }

    /// Waits up to `limit` for the task to end.
    ///
    /// - Returns: whether it ended.
    func wait(upTo limit: Duration) async throws -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if flag.load(ordering: .acquiring) { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return flag.load(ordering: .acquiring)
    }
}

/// A cancelled caller gets `CancellationError` from every call, stream and sequence: never a normal end, never
/// a call that runs on.
@Suite("Cancellation", .timeLimit(.minutes(1)))
struct CancellationTests {
    @Test("calls without a deadline cancelled at any moment all end with CancellationError: no cancel is lost")
    func cancelNeverLost() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = EtcdKey(SharedEtcd.uniquePrefix("cancel-race") + "lock")
            let holder = try await etcd.grantLease(ttl: .seconds(60))
            let held = try await etcd.lockWithService(name: name, lease: holder.id)
            var leases: [EtcdLeaseID] = []
            for _ in 0..<6 { leases.append(try await etcd.grantLease(ttl: .seconds(60)).id) }
            let waiters = leases
            var generator = SplitMix64(seed: 10)
            for _ in 0..<30 {
                // Lock calls wait for as long as the lock is held (no deadline); reads that finish keep the
                // connection's inbox busy, so that starts and cancels of different calls interleave.
                let task = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for lease in waiters {
                            group.addTask { _ = try await etcd.lockWithService(name: name, lease: lease) }
                            group.addTask { _ = try await etcd.get(EtcdKey("cancel-race/\(lease)")) }
                        }
                        try await group.waitForAll()
                    }
                }
                let finished = Finished(task)
                try await Task.sleep(for: .microseconds(Int.random(in: 0..<2_000, using: &generator)))
                task.cancel()
                guard try await finished.wait(upTo: .seconds(3)) else {
                    Issue.record("a cancelled call ran on: the lock call is still waiting 3 s after its cancel")
                    try await etcd.unlockWithService(key: held.key)  // let it end, so that nothing hangs
                    return
                }
                await #expect(throws: CancellationError.self) { try await task.value }
            }
            try await etcd.unlockWithService(key: held.key)
            for lease in leases + [holder.id] { try await etcd.revokeLease(lease) }
        }
    }

    @Test("a snapshot in a cancelled task, or cancelled part way, throws CancellationError, never a byte count")
    func cancelledSnapshot() async throws {
        try await SharedEtcd.withClient { etcd in
            let early = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await etcd.snapshot { _ in }
            }
            await #expect(throws: CancellationError.self) { try await early.value }
            // Cancelled as the first chunk arrives: what follows never comes, and no total is returned.
            let partWay = Task {
                try await etcd.snapshot { _ in withUnsafeCurrentTask { $0?.cancel() } }
            }
            await #expect(throws: CancellationError.self) { try await partWay.value }
        }
    }

    @Test("watch, keep-alive and observe bodies whose task is cancelled throw CancellationError, not a normal end")
    func cancelledSequences() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("cancel-sequences")
            let watching = Task {
                try await etcd.watch(.prefix(EtcdKey(prefix))) { responses in
                    for try await _ in responses {}
                    return "ended normally"
                }
            }
            let lease = try await etcd.grantLease(ttl: .seconds(10))
            let keeping = Task {
                try await etcd.keepAlive(lease.id) { keeper in
                    for try await _ in keeper.heartbeats {}
                    return "ended normally"
                }
            }
            let observing = Task {
                try await etcd.withSession(ttl: .seconds(10)) { session in
                    try await EtcdElection(session: session, name: prefix + "election").observe { changes in
                        for try await _ in changes {}
                        return "ended normally"
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            for task in [watching, keeping, observing] { task.cancel() }
            for task in [watching, keeping, observing] {
                await #expect(throws: CancellationError.self) { try await task.value }
            }
            try await etcd.revokeLease(lease.id)
        }
    }

    @Test("a single renewal in a cancelled task throws CancellationError")
    func cancelledRenewal() async throws {
        try await SharedEtcd.withClient { etcd in
            let lease = try await etcd.grantLease(ttl: .seconds(10))
            let renewal = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await etcd.renewLease(lease.id)
            }
            await #expect(throws: CancellationError.self) { try await renewal.value }
            let renewed = try await etcd.renewLease(lease.id)
            #expect(renewed.ttl > .zero)
            try await etcd.revokeLease(lease.id)
        }
    }

    @Test("waiting for a session's end can be cancelled; it returns why the session ended")
    func waitUntilEnded() async throws {
        try await SharedEtcd.withClient { etcd in
            let session = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            let waiting = Task { try await session.waitUntilEnded() }
            try await Task.sleep(for: .milliseconds(50))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            let ending = Task { try await session.waitUntilEnded() }
            try await session.close()
            #expect(try await ending.value.code == .sessionClosed)
            #expect(try await session.waitUntilEnded().code == .sessionClosed)
        }
    }

    @Test(
        "cleanup after a cancel has a deadline of its own: a paused member holds a cancelled scope 10 s, not 60"
    )
    func cleanupIsBounded() async throws {
        try await withEtcdTestCluster { cluster in
            var configuration = cluster.clientConfiguration
            configuration.defaultCallOptions.timeout = .seconds(30)
            configuration.keepalive.interval = nil
            try await withEtcdClient(configuration: configuration) { etcd in
                let clock = ContinuousClock()
                let inside = AsyncCounter()
                let scope = Task {
                    try await etcd.withSession(ttl: .seconds(30)) { session in
                        try await EtcdMutex(session: session, name: "cleanup/lock").withLock { _ in
                            inside.increment()
                            try await Task.sleep(for: .seconds(600))
                        }
                    }
                }
                await inside.wait(for: 1)
                // The member stops answering: the unlock and the lease revoke cannot get through.
                cluster.members[0].pause()
                defer { cluster.members[0].resume() }
                let cancelledAt = clock.now
                scope.cancel()
                await #expect(throws: CancellationError.self) { try await scope.value }
                let held = clock.now - cancelledAt
                // Two cleanups (the unlock, then the session's revoke), each cut off at its 5-second deadline;
                // with the 30-second call timeout they would take a minute.
                #expect(held < .seconds(14), "the cancelled scope returned after \(held)")
            }
        }
    }
}
