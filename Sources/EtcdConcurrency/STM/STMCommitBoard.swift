import EtcdClientCore
import _EtcdTransport

/// What the STM transactions of one client in this process know of each other's commits: those in flight, by the
/// keys they write, and the revision of the last one that wrote each key.
///
/// An attempt that reads or commits a key another attempt of this process is committing waits for that commit
/// first (one round trip, usually; at most the commit's timeout): reading before it lands would give a value about to be replaced, and
/// committing against it a conflict certain to be lost. An attempt whose read a later commit of this process has
/// replaced skips its own commit, which etcd would refuse, and reads the keys again instead. None of this decides
/// correctness, which stays with the commit's compares in etcd; it only saves the attempts and the writes through
/// raft that contenders in one process would otherwise waste on each other.
final class STMCommitBoard: Sendable {
    private struct Commit {
        let keys: Set<EtcdKey>
        let puts: Set<EtcdKey>
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private struct State {
        var inFlight: [UInt64: Commit] = [:]
        var lastWrite: [EtcdKey: Int64] = [:]
        var nextID: UInt64 = 0
        /// Which attempt has each key reserved, from its first read until its commit ends.
        var reservedBy: [EtcdKey: UInt64] = [:]
        /// The key each waiting attempt waits for, to find a cycle before it closes.
        var waitsFor: [UInt64: EtcdKey] = [:]
        /// The attempts waiting for each key, in arrival order.
        var reservationQueue: [EtcdKey: [ReservationWaiter]] = [:]
    }

    /// An attempt waiting for a key, and the timer that stops its wait after ``reservationPatience``.
    private struct ReservationWaiter {
        let attempt: UInt64
        let continuation: CheckedContinuation<Reservation, Never>
        let timer: Task<Void, Never>
    }

    /// How a wait for a key's reservation ended.
    private enum Reservation {
        /// With what the commit that handed the key over wrote in it, if it committed.
        case held(EtcdGetResponse?)
        case deadlock
        case cancelled
        /// Waited too long: go on without the key (the commit's compares still decide).
        case timedOut
    }

    /// How long an attempt waits for a key another attempt holds before it goes on without it: reservations only
    /// save conflicts, so a body that holds its keys for long (or runs another transaction on them, nested) delays
    /// the others by this much at most.
    static let reservationPatience = Duration.milliseconds(50)

    /// How many keys' last write revisions are kept: beyond it they are forgotten (an attempt then only learns of a
    /// conflict from its commit, as without the board).
    private static let memory = 16_384
    private let state = LockedValue(State())

    /// The board of `client`'s transactions.
    static func of(_ client: EtcdClient) -> STMCommitBoard {
        client.attachments.value { STMCommitBoard() }
    }

    /// The revision of the last commit of this process that put `key`, if known (a deletion is not counted: etcd
    /// compares a deleted key's modification revision as 0, so it fails no compare of a revision read).
    func lastWrite(of key: EtcdKey) -> Int64? {
        state.withLock { $0.lastWrite[key] }
    }

    /// Registers a commit about to be sent that puts `puts` and deletes `deletions`.
    ///
    /// - Returns: its identifier, for ``end(_:revision:)``.
    func begin(putting puts: Set<EtcdKey>, deleting deletions: Set<EtcdKey>) -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.inFlight[state.nextID] = Commit(keys: puts.union(deletions), puts: puts)
            return state.nextID
        }
    }

    /// A commit ended: `revision` is where it was applied, or `nil` when it was not (or its outcome is unknown).
    func end(_ id: UInt64, revision: Int64?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard let commit = state.inFlight.removeValue(forKey: id) else { return [] }
            if let revision {
                if state.lastWrite.count >= Self.memory { state.lastWrite = [:] }
                for key in commit.puts { state.lastWrite[key] = max(state.lastWrite[key] ?? 0, revision) }
            }
            return Array(commit.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no commit that writes one of `keys` and was in flight when called is still in flight, or at
    /// once when the task is cancelled.
    func waitForCommits(writing keys: some Sequence<EtcdKey>) async {
        let keys = Set(keys)
        let commits = state.withLock { state in
            state.inFlight.filter { !$0.value.keys.isDisjoint(with: keys) }.map(\.key)
        }
        for commit in commits {
            if Task.isCancelled { return }
            await waitForEnd(of: commit)
        }
    }

    /// A new attempt's identifier, for ``reserve(_:for:)``.
    func newAttempt() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Reserves `keys` for `attempt` until ``releaseReservations(of:committed:)``: waits, first come first served, while
    /// another attempt of this process has one reserved, so that two attempts of this process rarely work on one key
    /// at once (a wait longer than ``reservationPatience`` goes on without the key).
    ///
    /// - Throws: ``STMRestart`` when waiting would close a cycle of attempts waiting for each other (this attempt
    ///   must release its keys and start again); `CancellationError` when the task is cancelled while waiting.
    /// - Returns: for the keys handed over by a commit that succeeded, what it wrote in them.
    func reserve(_ keys: [EtcdKey], for attempt: UInt64) async throws -> [EtcdKey: EtcdGetResponse] {
        var handedOver: [EtcdKey: EtcdGetResponse] = [:]
        for key in keys {
            handedOver[key] = try await reserve(key, for: attempt)
        }
        return handedOver
    }

    private func reserve(_ key: EtcdKey, for attempt: UInt64) async throws -> EtcdGetResponse? {
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reservation, Never>) in
                let now = state.withLock { state -> Reservation? in
                    guard let holder = state.reservedBy[key], holder != attempt else {
                        state.reservedBy[key] = attempt
                        return .held(nil)
                    }
                    // Follow who waits for whom from the holder: reaching us means waiting would never end.
                    var next: UInt64? = holder
                    var steps = 0
                    while let current = next, steps <= state.waitsFor.count {
                        if current == attempt { return .deadlock }
                        next = state.waitsFor[current].flatMap { state.reservedBy[$0] }
                        steps += 1
                    }
                    if Task.isCancelled { return .cancelled }
                    state.waitsFor[attempt] = key
                    let timer = Task { [self] in
                        try? await Task.sleep(for: Self.reservationPatience)
                        if !Task.isCancelled { stopWaiting(for: key, attempt: attempt)?.resume(returning: .timedOut) }
                    }
                    state.reservationQueue[key, default: []].append(
                        ReservationWaiter(attempt: attempt, continuation: continuation, timer: timer)
                    )
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            stopWaiting(for: key, attempt: attempt)?.resume(returning: .cancelled)
        }
        switch outcome {
        case .held(let written): return written
        case .timedOut: return nil
        case .deadlock: throw STMRestart()
        case .cancelled: throw CancellationError()
        }
    }

    /// Takes `attempt` out of the queue of `key`.
    ///
    /// - Returns: its continuation, to resume, or `nil` when it no longer waits.
    private func stopWaiting(for key: EtcdKey, attempt: UInt64) -> CheckedContinuation<Reservation, Never>? {
        state.withLock { state in
            guard let index = state.reservationQueue[key]?.firstIndex(where: { $0.attempt == attempt }) else {
                return nil
            }
            state.waitsFor[attempt] = nil
            let waiter = state.reservationQueue[key]?.remove(at: index)
            if state.reservationQueue[key]?.isEmpty == true { state.reservationQueue[key] = nil }
            waiter?.timer.cancel()
            return waiter?.continuation
        }
    }

    /// How many wait for commit `id` to end.
    func waiterCount(of id: UInt64) -> Int {
        state.withLock { $0.inFlight[id]?.waiters.count ?? 0 }
    }

    /// Whether `attempt` waits for a key's reservation.
    func isWaiting(_ attempt: UInt64) -> Bool {
        state.withLock { $0.waitsFor[attempt] != nil }
    }

    /// Releases every key `attempt` reserved, handing each to the next attempt waiting for it with what `attempt`'s
    /// commit wrote in it (`committed`: empty when it did not commit).
    func releaseReservations(of attempt: UInt64, committed: [EtcdKey: EtcdGetResponse] = [:]) {
        let woken = state.withLock { state -> [(CheckedContinuation<Reservation, Never>, EtcdGetResponse?)] in
            var woken: [(CheckedContinuation<Reservation, Never>, EtcdGetResponse?)] = []
            for (key, holder) in state.reservedBy where holder == attempt {
                if var queue = state.reservationQueue[key], !queue.isEmpty {
                    let next = queue.removeFirst()
                    state.reservationQueue[key] = queue.isEmpty ? nil : queue
                    state.reservedBy[key] = next.attempt
                    state.waitsFor[next.attempt] = nil
                    next.timer.cancel()
                    woken.append((next.continuation, committed[key]))
                } else {
                    state.reservedBy[key] = nil
                }
            }
            return woken
        }
        for (waiter, written) in woken { waiter.resume(returning: .held(written)) }
    }

    private func waitForEnd(of commit: UInt64) async {
        let token = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    guard !Task.isCancelled, state.inFlight[commit] != nil else { return false }
                    state.inFlight[commit]?.waiters[token] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.inFlight[commit]?.waiters.removeValue(forKey: token) }?.resume()
        }
    }
}
