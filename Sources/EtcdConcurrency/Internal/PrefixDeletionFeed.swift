import EtcdClientCore
import Synchronization

/// One long-lived watch of a lock's or election's prefix, shared by the waits of one mutex or election, that
/// tells each waiter when its predecessor's key is deleted.
///
/// Why not a watch per wait: etcd turns a watch from "now" into a watch from the revision it read just
/// before registering the watcher; when another contender's write commits in between, the watcher lands in
/// the "unsynced" group, which etcd serves only every 100 ms. With contenders writing all the time that
/// happens to a few percent of the waits, which is the 80-100 ms tail seen with every per-wait strategy. A
/// watch that already exists is synced and sees each deletion as it commits; it also saves the round trip of
/// creating a watch for each wait.
final class PrefixDeletionFeed: Sendable {
    private struct State {
        /// The revision the watch was created at, once it runs.
        var createdRevision: Int64?
        /// The revision of the last deletion seen of each key.
        var deleted: [EtcdKey: Int64] = [:]
        var lastRevision: Int64 = 0
        var waiters: [EtcdKey: [(after: Int64, continuation: CheckedContinuation<Void, any Error>)]] = [:]
        var readyWaiters: [CheckedContinuation<Void, any Error>] = []
        var task: Task<Void, Never>?
        var failure: (any Error)?
    }

    private let session: EtcdSession
    private let prefix: EtcdKey
    private let state = Mutex(State())

    init(session: EtcdSession, prefix: EtcdKey) {
        self.session = session
        self.prefix = prefix
    }

    /// Makes sure the watch runs, and returns once the server created it: deletions after a read made from
    /// now on are seen.
    func ensureRunning() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state -> Bool in
                if state.task == nil || state.failure != nil {
                    state.failure = nil
                    state.createdRevision = nil
                    state.task = Task { await self.run() }
                }
                if state.createdRevision != nil { return true }
                state.readyWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits until `key`, read alive at `revision`, is deleted (at a revision after `revision`).
    func waitForDeletion(of key: EtcdKey, aliveAt revision: Int64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Bool, any Error> in
                if let failure = state.failure { return .failure(failure) }
                if let deletion = state.deleted[key], deletion > revision { return .success(true) }
                state.waiters[key, default: []].append((revision, continuation))
                return .success(false)
            }
            switch outcome {
            case .failure(let error): continuation.resume(throwing: error)
            case .success(true): continuation.resume()
            case .success(false): break
            }
        }
    }

    /// Stops the waits for `key` (the waiter was cancelled); they end with `CancellationError`.
    func cancelWaits(for key: EtcdKey) {
        let waiters = state.withLock { $0.waiters.removeValue(forKey: key) ?? [] }
        for waiter in waiters { waiter.continuation.resume(throwing: CancellationError()) }
    }

    private func run() async {
        let client = session.client
        let prefix = prefix
        do {
            try await SessionGuard.run(while: session) { [self] in
                try await client.watch(.prefix(prefix), filter: .noPut) { responses in
                    let ready = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                        state.createdRevision = responses.createdRevision
                        defer { state.readyWaiters = [] }
                        return state.readyWaiters
                    }
                    for waiter in ready { waiter.resume() }
                    for try await response in responses {
                        deliver(response)
                    }
                }
            }
            fail(EtcdError(.watchCancelled, message: "the lock's watch ended"))
        } catch {
            fail(error)
        }
    }

    private func deliver(_ response: EtcdWatchResponse) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            var woken: [CheckedContinuation<Void, any Error>] = []
            for event in response.events where event.kind == .delete {
                let key = event.keyValue.key
                state.deleted[key] = event.revision
                state.lastRevision = max(state.lastRevision, event.revision)
                if let waiting = state.waiters[key] {
                    woken += waiting.filter { event.revision > $0.after }.map(\.continuation)
                    let still = waiting.filter { event.revision <= $0.after }
                    state.waiters[key] = still.isEmpty ? nil : still
                }
            }
            // Keep the memory bounded: a waiter asks only about a key it has just read alive, so only recent
            // deletions matter.
            if state.deleted.count > 4_096 {
                let horizon = state.lastRevision - 100_000
                state.deleted = state.deleted.filter { $0.value > horizon }
            }
            return woken
        }
        for waiter in woken { waiter.resume() }
    }

    private func fail(_ error: any Error) {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.failure = error
            state.task = nil
            let waiting = state.waiters.values.flatMap { $0.map(\.continuation) } + state.readyWaiters
            state.waiters = [:]
            state.readyWaiters = []
            return waiting
        }
        for waiter in waiting { waiter.resume(throwing: error) }
    }
}
