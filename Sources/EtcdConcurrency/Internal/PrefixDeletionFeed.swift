import EtcdClientCore

/// One long-lived watch of a recipe's prefix (a lock, an election, a read-write lock, a semaphore), shared by the
/// waits of one such object, that tells each waiter when its predecessor's key (or any key) is deleted.
///
/// Why not a watch per wait: etcd turns a watch from "now" into a watch from the revision it read just
/// before registering the watcher; when another contender's write commits in between, the watcher lands in
/// the "unsynced" group, which etcd serves only every 100 ms. With contenders writing all the time that
/// happens to a few percent of the waits, which is the 80-100 ms tail seen with every per-wait strategy. A
/// watch that already exists is synced and sees each deletion as it commits; it also saves the round trip of
/// creating a watch for each wait.
///
/// The watch runs while waits need it, and stops once none has for ``idleTimeout``: a service that keeps one
/// session and a mutex per resource holds no server watch for the mutexes nobody waits on, and a mutex no longer
/// used stops its watch and is freed.
final class PrefixDeletionFeed: Sendable {
    private struct State {
        /// The revision the watch was created at, once it runs.
        var createdRevision: Int64?
        /// The revision of the last deletion seen of each key.
        var deleted: [EtcdKey: Int64] = [:]
        var lastRevision: Int64 = 0
        var waiters: [EtcdKey: [(after: Int64, token: UInt64, continuation: CheckedContinuation<Void, any Error>)]] =
            [:]
        /// Waits for the deletion of any key under the prefix.
        var anyWaiters: [(after: Int64, token: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var readyWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var task: Task<Void, Never>?
        /// Which watch runs: one that ended reports with its generation, so a stopped watch never touches a newer.
        var generation: UInt64 = 0
        var failure: (any Error)?
        /// The waits in progress.
        var users = 0
        /// Stops the watch once no wait needed it for ``PrefixDeletionFeed/idleTimeout``.
        var idleStop: Task<Void, Never>?
    }

    /// How long the watch runs on after the last wait: one second, so that a lock taken and released in a loop
    /// keeps its watch.
    static let idleTimeout = Duration.seconds(1)

    private let session: EtcdSession
    private let prefix: EtcdKey
    private let state = EtcdWaitingState(State())

    init(session: EtcdSession, prefix: EtcdKey) {
        self.session = session
        self.prefix = prefix
    }

    /// Runs `body`, a wait, once the watch runs and the server created it: deletions after a read made in `body`
    /// are seen. After the last wait the watch stops once idle for ``idleTimeout``.
    ///
    /// - Throws: what `body` throws; why the watch could not be created; `CancellationError` when the task is
    ///   cancelled, whenever that happens.
    func whileRunning<Result>(_ body: () async throws -> Result) async throws -> Result {
        state.withLock { state in
            state.users += 1
            state.idleStop?.cancel()
            state.idleStop = nil
        }
        defer { endUse() }
        try await ensureRunning()
        return try await body()
    }

    /// A wait ended: after the last one, the watch stops once idle for ``idleTimeout``.
    private func endUse() {
        state.withLock { state in
            state.users -= 1
            guard state.users == 0, state.task != nil else { return }
            let generation = state.generation
            state.idleStop = session.client.backgroundTasks.start { [self] in
                try? await Task.sleep(for: Self.idleTimeout)
                if !Task.isCancelled { stopIfIdle(generation) }
            }
        }
    }

    /// Stops watch `generation` if it still runs and no wait started since.
    private func stopIfIdle(_ generation: UInt64) {
        let task = state.withLock { state -> Task<Void, Never>? in
            guard state.users == 0, state.generation == generation, let task = state.task else { return nil }
            state.task = nil
            state.createdRevision = nil
            state.deleted = [:]
            state.idleStop = nil
            return task
        }
        task?.cancel()
    }

    /// Makes sure the watch runs, and returns once the server created it.
    private func ensureRunning() async throws {
        try await state.suspend { state, token, continuation in
            if state.task == nil || state.failure != nil {
                state.failure = nil
                state.createdRevision = nil
                state.generation += 1
                let generation = state.generation
                state.task = session.client.backgroundTasks.start { await self.run(generation) }
                if state.task == nil {
                    return .failure(EtcdError(.clientClosed, message: "the client was closed"))
                }
            }
            if state.createdRevision != nil { return .success(true) }
            state.readyWaiters[token] = continuation
            return .success(false)
        } withdraw: { state, token in
            state.readyWaiters.removeValue(forKey: token)
        }
    }

    /// Waits until `key`, read alive at `revision`, is deleted (at a revision after `revision`).
    ///
    /// - Throws: why the watch ended; `CancellationError` when the task is cancelled, whenever that happens.
    func waitForDeletion(of key: EtcdKey, aliveAt revision: Int64) async throws {
        try await state.suspend { state, token, continuation in
            if let failure = state.failure { return .failure(failure) }
            if let deletion = state.deleted[key], deletion > revision { return .success(true) }
            state.waiters[key, default: []].append((revision, token, continuation))
            return .success(false)
        } withdraw: { state, token in
            guard let index = state.waiters[key]?.firstIndex(where: { $0.token == token }) else { return nil }
            let waiter = state.waiters[key]?.remove(at: index)
            if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
            return waiter?.continuation
        }
    }

    /// Waits until any key under the prefix is deleted at a revision after `revision` (the revision of a read made
    /// while the watch runs).
    ///
    /// - Throws: why the watch ended; `CancellationError` when the task is cancelled, whenever that happens.
    func waitForAnyDeletion(after revision: Int64) async throws {
        try await state.suspend { state, token, continuation in
            if let failure = state.failure { return .failure(failure) }
            if state.lastRevision > revision { return .success(true) }
            state.anyWaiters.append((revision, token, continuation))
            return .success(false)
        } withdraw: { state, token in
            guard let index = state.anyWaiters.firstIndex(where: { $0.token == token }) else { return nil }
            return state.anyWaiters.remove(at: index).continuation
        }
    }

    private func run(_ generation: UInt64) async {
        let client = session.client
        let prefix = prefix
        do {
            try await SessionGuard.run(while: session) { [self] in
                try await client.watch(.prefix(prefix), filter: .noPut) { responses in
                    let ready = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                        guard state.generation == generation else { return [] }
                        state.createdRevision = responses.createdRevision
                        defer { state.readyWaiters = [:] }
                        return Array(state.readyWaiters.values)
                    }
                    for waiter in ready { waiter.resume() }
                    for try await response in responses {
                        deliver(response)
                    }
                }
            }
            fail(EtcdError(.watchCancelled, message: "the lock's watch ended"), generation: generation)
        } catch {
            fail(error, generation: generation)
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
            if let newest = response.events.last(where: { $0.kind == .delete })?.revision {
                woken += state.anyWaiters.filter { newest > $0.after }.map(\.continuation)
                state.anyWaiters.removeAll { newest > $0.after }
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

    /// Watch `generation` ended with `error`: every wait fails with it, unless that watch was stopped for idling.
    private func fail(_ error: any Error, generation: UInt64) {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard state.generation == generation, state.task != nil else { return [] }
            state.failure = error
            state.task = nil
            let waiting =
                state.waiters.values.flatMap { $0.map(\.continuation) } + state.readyWaiters.values
                + state.anyWaiters.map(\.continuation)
            state.waiters = [:]
            state.anyWaiters = []
            state.readyWaiters = [:]
            return waiting
        }
        for waiter in waiting { waiter.resume(throwing: error) }
    }
}
