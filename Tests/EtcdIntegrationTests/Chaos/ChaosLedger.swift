import EtcdClientCore
import _EtcdTransport

/// What the chaos workloads saw, recorded as they go and checked at the end.
final class ChaosLedger: Sendable {
    /// The outcome of each write, by key.
    struct Writes: Sendable {
        /// Reported done, with the revision etcd gave.
        var done: [String: Int64] = [:]
        /// Reported not sent: the key must be absent.
        var notSent: Set<String> = []
        /// Reported with an unknown outcome: either way is allowed, and counted.
        var unknown: Set<String> = []
    }

    private struct State {
        var writes = Writes()
        var callCount = 0
        var slowestCall = Duration.zero
        var fencedLockWrites = 0
        var fencedLeaderWrites = 0
        var recipeErrors = 0
        var observedLeaders: [Int64] = []
        var violations: [String] = []
    }

    private let state = LockedValue(State())

    /// Records a write reported done at `revision`.
    func done(_ key: String, at revision: Int64) {
        state.withLock { _ = $0.writes.done.updateValue(revision, forKey: key) }
    }

    /// Records a failed write, by what the error says about whether it was sent.
    func failed(_ key: String, _ error: EtcdError) {
        state.withLock { state in
            if error.requestNotSent {
                _ = state.writes.notSent.insert(key)
            } else {
                _ = state.writes.unknown.insert(key)
            }
        }
    }

    /// Records how long a unary call took, whatever its outcome.
    func callTook(_ duration: Duration) {
        state.withLock { state in
            state.callCount += 1
            state.slowestCall = max(state.slowestCall, duration)
        }
    }

    /// Records a fenced write under the mutex that committed.
    func fencedLockWrite() {
        state.withLock { $0.fencedLockWrites += 1 }
    }

    /// Records a fenced write by an election leader that committed.
    func fencedLeaderWrite() {
        state.withLock { $0.fencedLeaderWrites += 1 }
    }

    /// Records an error a recipe threw under faults (a lost session, a timeout): expected, and counted.
    func recipeError() {
        state.withLock { $0.recipeErrors += 1 }
    }

    /// Records the create revision of a leader the observer reported.
    func observedLeader(_ createRevision: Int64) {
        state.withLock { $0.observedLeaders.append(createRevision) }
    }

    /// Records a broken invariant.
    func violation(_ description: String) {
        state.withLock { $0.violations.append(description) }
    }

    var writes: Writes { state.withLock { $0.writes } }
    var callCount: Int { state.withLock { $0.callCount } }
    var slowestCall: Duration { state.withLock { $0.slowestCall } }
    var fencedLockWrites: Int { state.withLock { $0.fencedLockWrites } }
    var fencedLeaderWrites: Int { state.withLock { $0.fencedLeaderWrites } }
    var recipeErrors: Int { state.withLock { $0.recipeErrors } }
    var observedLeaders: [Int64] { state.withLock { $0.observedLeaders } }
    var violations: [String] { state.withLock { $0.violations } }
}

/// The end of a chaos run's load, which workloads wait for or poll.
final class ChaosStop: Sendable {
    private let state = LockedValue<(stopped: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Whether the load should end.
    var isSet: Bool { state.withLock { $0.stopped } }

    /// Ends the load and wakes every waiter.
    func set() {
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``set()`` was called.
    func wait() async {
        await withCheckedContinuation { continuation in
            let stopped = state.withLock { state in
                if !state.stopped { state.waiters.append(continuation) }
                return state.stopped
            }
            if stopped { continuation.resume() }
        }
    }
}
