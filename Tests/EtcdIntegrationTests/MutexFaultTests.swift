import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// Who holds the lock, as the contenders believe: an overlap is two at once.
private final class Holders: Sendable {
    private let state = LockedValue<(inside: Int, overlaps: Int, acquisitions: Int, failures: [EtcdError])>(
        (0, 0, 0, [])
    )

    func enter() {
        state.withLock {
            if $0.inside > 0 { $0.overlaps += 1 }
            $0.inside += 1
            $0.acquisitions += 1
        }
    }

    func leave() { state.withLock { $0.inside -= 1 } }

    func failed(_ error: any Error) {
        let failure = error as? EtcdError ?? EtcdError(.unknown, message: "\(error)")
        state.withLock { $0.failures.append(failure) }
    }

    var overlaps: Int { state.withLock { $0.overlaps } }
    var acquisitions: Int { state.withLock { $0.acquisitions } }
    var failures: [EtcdError] { state.withLock { $0.failures } }
}

/// How long the test waits for lock watches to stop: the feed's one-second idle time, and some.
private enum PrefixDeletionFeedIdle {
    static let limit = Duration.seconds(4)
}

@Suite("Mutex under faults", .timeLimit(.minutes(2)))
struct MutexFaultTests {
    @Test("contenders lock and release in a loop while the leader is paused and resumed: never two holders")
    func pausedLeaderNeverTwoHolders() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let leader = try await cluster.leadership().leader
            // Contenders start on followers: a follower forwards a proposal to the leader, and when the leader is
            // paused, holds it until its own timeout (5.5 s here) while the client gives up after 1 s. Such a
            // release, forwarded again once a new leader is known, is applied seconds after the client moved on
            // and may have locked again with the same session.
            let followers = cluster.members.indices.filter { $0 != leader }
            let configurations = followers.map { follower in
                var configuration = cluster.clientConfiguration
                configuration.endpoints =
                    [cluster.members[follower].endpoint]
                    + cluster.members.indices
                    .filter { $0 != follower }.map { cluster.members[$0].endpoint }
                configuration.keepalive = EtcdClient.Keepalive(
                    interval: .milliseconds(300),
                    timeout: .milliseconds(300)
                )
                configuration.defaultCallOptions.timeout = .seconds(1)
                return configuration
            }
            let holders = Holders()
            let name = "paused-leader-lock"
            let stop = ContinuousClock.now + .seconds(9)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for contender in 0..<3 {
                    group.addTask {
                        try await withEtcdClient(configuration: configurations[contender % 2]) { etcd in
                            try await etcd.withSession(ttl: .seconds(30)) { session in
                                let mutex = EtcdMutex(session: session, name: name)
                                while ContinuousClock.now < stop {
                                    do {
                                        try await mutex.lock()
                                    } catch {
                                        holders.failed(error)
                                        continue
                                    }
                                    holders.enter()
                                    try await Task.sleep(for: .milliseconds(50))
                                    holders.leave()
                                    do {
                                        try await mutex.unlock()
                                    } catch {
                                        holders.failed(error)
                                    }
                                }
                            }
                        }
                    }
                }
                group.addTask {
                    // Pause whichever member leads, over and over.
                    var paused = leader
                    while ContinuousClock.now < stop - .seconds(2) {
                        try await Task.sleep(for: .milliseconds(600))
                        cluster.members[paused].pause()
                        try await Task.sleep(for: .milliseconds(1_200))
                        cluster.members[paused].resume()
                        paused = (try? await cluster.leadership().leader) ?? paused
                    }
                }
                try await group.waitForAll()
            }
            #expect(holders.overlaps == 0, "two contenders held the lock at once \(holders.overlaps) times")
            #expect(holders.acquisitions > 20, "\(holders.acquisitions) acquisitions; failures: \(holders.failures)")
            // Calls fail while the leader is paused (timeouts, unknown outcomes); but a key of ours never vanishes
            // with the session alive, as it does when a late release deletes a later acquisition's key.
            let vanished = holders.failures.filter { $0.code == .lockNotHeld || $0.code == .sessionExpired }
            #expect(vanished.isEmpty, "\(vanished)")
        }
    }

    @Test("a waiter whose key is deleted by someone else, its session alive, gets lockNotHeld")
    func keyDeletedWhileWaiting() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-key-deleted") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { holderSession in
                try await etcd.withSession(ttl: .seconds(10)) { waiterSession in
                    let holder = EtcdMutex(session: holderSession, name: name)
                    let waiter = EtcdMutex(session: waiterSession, name: name)
                    try await holder.lock()
                    let waiting = Task { try await waiter.lock() }
                    // The waiter's key appears, then an operator deletes it.
                    while try await etcd.get(waiter.key) == nil { try await Task.sleep(for: .milliseconds(5)) }
                    try await etcd.delete(waiter.key)
                    try await holder.unlock()
                    let error = try await #require(throws: EtcdError.self) { try await waiting.value }
                    #expect(error.code == .lockNotHeld, "\(error)")
                    #expect(waiterSession.isAlive)
                }
            }
        }
    }

    @Test("a wait cancelled at any moment ends with CancellationError at once and leaves no key behind")
    func cancelledAtAnyMoment() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-cancel-window") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { holderSession in
                try await etcd.withSession(ttl: .seconds(10)) { waiterSession in
                    let holder = EtcdMutex(session: holderSession, name: name)
                    try await holder.lock()
                    let waiter = EtcdMutex(session: waiterSession, name: name)
                    var generator = SplitMix64(seed: 9)
                    // Cancels land at every stage of a wait: before the key is written, while the watch is
                    // created, while the predecessor is read, and while the deletion is awaited.
                    for _ in 0..<40 {
                        let waiting = Task { try await waiter.lock() }
                        try await Task.sleep(for: .microseconds(Int.random(in: 0..<3_000, using: &generator)))
                        waiting.cancel()
                        let clock = ContinuousClock()
                        let start = clock.now
                        await #expect(throws: CancellationError.self) { try await waiting.value }
                        #expect(clock.now - start < .seconds(2))
                    }
                    #expect(try await etcd.get(waiter.key) == nil)
                    try await holder.unlock()
                }
            }
        }
    }

    @Test("1,000 contended mutexes in one session: their server watches stop once nobody waits")
    func lockWatchesAreBounded() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let member = cluster.members[0]
                let watchers: @Sendable () -> Double = { member.metric("etcd_debugging_mvcc_watcher_total") ?? -1 }
                let before = watchers()
                #expect(before >= 0, "etcd reports its watcher count on /metrics")
                try await etcd.withSession(ttl: .seconds(30)) { holder in
                    try await etcd.withSession(ttl: .seconds(30)) { waiter in
                        for batch in 0..<20 {
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                for index in 0..<50 {
                                    let name = "bounded/lock-\(batch * 50 + index)"
                                    group.addTask {
                                        // The waiter waits (its mutex starts a watch of the prefix), then gets it.
                                        let held = EtcdMutex(session: holder, name: name)
                                        let waiting = EtcdMutex(session: waiter, name: name)
                                        try await held.lock()
                                        let acquiring = Task { try await waiting.lock() }
                                        while try await etcd.get(waiting.key) == nil {
                                            try await Task.sleep(for: .milliseconds(2))
                                        }
                                        try await held.unlock()
                                        _ = try await acquiring.value
                                        try await waiting.unlock()
                                    }
                                }
                                try await group.waitForAll()
                            }
                        }
                        // Every wait is over: within the idle time, the server has no more watchers than before,
                        // though the session that waited lives on.
                        let deadline = ContinuousClock.now + PrefixDeletionFeedIdle.limit
                        while watchers() > before && ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        let after = watchers()
                        #expect(after >= 0 && after <= before, "\(after) watchers, \(before) before")
                        #expect(waiter.isAlive)
                    }
                }
            }
        }
    }

    @Test("a release is fenced: an unlock of an old acquisition leaves a later one's key alone")
    func fencedRelease() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("mutex-fenced") + "lock"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let first = EtcdMutex(session: session, name: name)
                let second = EtcdMutex(session: session, name: name)
                let old = try await first.lock()
                // The key is deleted behind the first object's back and the same session locks again: the same
                // key name, a new creation revision.
                try await etcd.delete(old.key)
                let new = try await second.lock()
                #expect(new.key == old.key && new.revision > old.revision)
                // The first object's release names the old revision: the later acquisition's key stays.
                try await first.unlock()
                #expect(try await etcd.get(new.key)?.createRevision == new.revision)
                try await second.unlock()
                #expect(try await etcd.get(new.key) == nil)
            }
        }
    }
}
