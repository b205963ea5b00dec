import EtcdClientCore

/// A range of keys (a prefix, usually) kept in a local cache: read at one revision, then kept current by a watch
/// from the next, and read synchronously, without a round trip.
///
/// ``run()`` does the work, until it is cancelled; ``waitUntilSynchronized()`` returns once the first sync is in. The
/// content is exact: at each moment it is the server's content of the range at ``revision``. After a connection
/// fault or a member failover the watch resumes after the last revision applied (nothing lost or repeated); when the
/// revision it needs was compacted, the range is read again at a new revision and one
/// ``EtcdMirrorChange/reloaded(upserted:removed:revision:)`` says what changed, never a silent gap. Memory holds the
/// keys and values of the range, and the changes waiting for slow consumers, at most their buffer each.
public final class EtcdPrefixMirror: Sendable {
    private struct State {
        var content = MirrorContent()
        var isSynchronized = false
        var isRunning = false
        /// Why the last run ended with an error.
        var failure: (any Error)?
        var syncWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var revisionWaiters: [UInt64: (revision: Int64, continuation: CheckedContinuation<Void, any Error>)] = [:]
        var subscribers: [UInt64: MirrorChangeBuffer] = [:]
        var nextToken: UInt64 = 0
        /// Asks the running watch for a progress notification, so that a wait for a revision outside the range ends.
        var requestProgress: (@Sendable () -> Void)?
        /// How many times the range was read again after a compaction.
        var reloads = 0
    }

    /// The client the mirror reads through.
    public let client: EtcdClient
    /// The keys it mirrors.
    public let range: EtcdKeyRange
    private let pageBytes: Int
    private let state = EtcdWaitingState(State())

    /// A mirror of the keys under `prefix`.
    ///
    /// - Parameters:
    ///   - client: the client it reads and watches through.
    ///   - prefix: the keys to hold.
    ///   - pageBytes: the size of the pages of a sync; see ``EtcdSyncer/basePages(at:pageBytes:)``.
    public convenience init(client: EtcdClient, prefix: EtcdKey, pageBytes: Int = EtcdSyncer.defaultPageBytes) {
        self.init(client: client, range: .prefix(prefix), pageBytes: pageBytes)
    }

    /// A mirror of the keys in `range`.
    ///
    /// - Parameters:
    ///   - client: the client it reads and watches through.
    ///   - range: the keys to hold.
    ///   - pageBytes: the size of the pages of a sync; see ``EtcdSyncer/basePages(at:pageBytes:)``.
    public init(client: EtcdClient, range: EtcdKeyRange, pageBytes: Int = EtcdSyncer.defaultPageBytes) {
        self.client = client
        self.range = range
        self.pageBytes = pageBytes
    }

    // MARK: - Reading

    /// Whether the first sync is in.
    public var isSynchronized: Bool { state.withLock { $0.isSynchronized } }

    /// The revision the content reflects (0 before the first sync).
    public var revision: Int64 { state.withLock { $0.content.revision } }

    /// How many keys the mirror holds.
    public var count: Int { state.withLock { $0.content.orderedKeys.count } }

    /// How many times the range was read again because the revision the watch needed was compacted.
    public var reloadCount: Int { state.withLock { $0.reloads } }

    /// How many wait for a revision or for the first sync (for tests).
    package var waiterCount: Int { state.withLock { $0.syncWaiters.count + $0.revisionWaiters.count } }

    /// How many change streams are open (for tests).
    package var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// The key-value of `key`, or `nil` when the key does not exist (or is outside the range, or not synced yet).
    public subscript(key: EtcdKey) -> EtcdKeyValue? {
        state.withLock { $0.content.values[key] }
    }

    /// The key-values in `range` (by default, all those held), in key order, at one revision.
    public func keyValues(in range: EtcdKeyRange = .all) -> [EtcdKeyValue] {
        state.withLock { $0.content.keyValues(in: range) }
    }

    /// The content at the current revision, which later changes do not touch.
    public func snapshot() -> EtcdMirrorSnapshot {
        EtcdMirrorSnapshot(content: state.withLock { $0.content })
    }

    // MARK: - Waiting

    /// Returns once the first sync is in.
    ///
    /// - Throws: why ``run()`` failed, if it did (or fails meanwhile; `EtcdError.Code.cancelled` when the run was
    ///   cancelled); `CancellationError` when the task is cancelled, whenever that happens.
    public func waitUntilSynchronized() async throws {
        try await state.suspend { state, token, continuation in
            if state.isSynchronized { return .success(true) }
            if let failure = state.failure { return .failure(failure) }
            state.syncWaiters[token] = continuation
            return .success(false)
        } withdraw: { state, token in
            state.syncWaiters.removeValue(forKey: token)
        }
    }

    /// Returns once the mirror reflects `revision` (or a later one): after a write at `revision` in the range, the
    /// mirror shows it (read your own writes).
    ///
    /// - Throws: why ``run()`` failed; `CancellationError` when the task is cancelled, whenever that happens.
    public func wait(for revision: Int64) async throws {
        var asked = false
        try await state.suspend { state, token, continuation in
            if state.isSynchronized, state.content.revision >= revision { return .success(true) }
            if let failure = state.failure { return .failure(failure) }
            state.revisionWaiters[token] = (revision, continuation)
            asked = state.requestProgress != nil
            return .success(false)
        } withdraw: { state, token in
            state.revisionWaiters.removeValue(forKey: token)?.continuation
        } whileWaiting: { [self] in
            // A revision outside the range brings no event: ask the watch where it stands.
            if asked { state.withLock { $0.requestProgress }?() }
        }
    }

    /// Runs `body` with the changes from now on, and stops them when `body` returns or throws.
    ///
    /// The first change is a ``EtcdMirrorChange/reloaded(upserted:removed:revision:)`` with the whole content if the
    /// mirror is synchronized (the first sync otherwise), so that a consumer can build its own state from the stream
    /// alone. A consumer that falls more than `bufferSize` changes behind gets
    /// ``EtcdMirrorChange/fellBehind(revision:)`` in place of what it missed; the mirror never waits for it.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws (the sequence throws why ``run()`` failed, and ends when it stops).
    public func changes<Result>(
        bufferSize: Int = 1_024,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdMirrorChanges) async throws -> Result
    ) async throws -> Result {
        let buffer = MirrorChangeBuffer(limit: bufferSize)
        let token = state.withLock { state -> UInt64 in
            defer { state.nextToken += 1 }
            if state.isSynchronized {
                let content = state.content
                let all = content.orderedKeys.compactMap { content.values[$0] }
                buffer.push(
                    [.reloaded(upserted: all, removed: [], revision: content.revision)],
                    revision: content.revision
                )
            }
            if !state.isRunning, let failure = state.failure { buffer.finish(.failure(failure)) }
            state.subscribers[state.nextToken] = buffer
            return state.nextToken
        }
        defer { _ = state.withLock { $0.subscribers.removeValue(forKey: token) } }
        return try await body(EtcdMirrorChanges(buffer: buffer))
    }

    // MARK: - Running

    /// Syncs the range, then follows its changes, until the task is cancelled.
    ///
    /// Transient failures (no connection, no leader, a timeout) are retried with a pause that grows from 100 ms to
    /// 2 s, resuming the watch where it stopped when the content is synced; a compacted revision reads the range
    /// again. Run it once at a time.
    ///
    /// - Throws: `EtcdError` for a failure that retrying does not cure (`.permissionDenied`, `.clientClosed`, a
    ///   second concurrent run: `.invalidArgument`); `CancellationError` when cancelled. Waiters and change streams
    ///   get the error too.
    public func run() async throws {
        let alreadyRunning = state.withLock { state -> Bool in
            if state.isRunning { return true }
            state.isRunning = true
            state.failure = nil
            return false
        }
        if alreadyRunning {
            throw EtcdError(.invalidArgument, message: "run() of this mirror is already running", requestNotSent: true)
        }
        do {
            try await follow()
        } catch {
            stop(error)
            throw error
        }
    }

    private func follow() async throws {
        let syncer = EtcdSyncer(client: client, range: range)
        var retry = MirrorRetry()
        var needsSync = true
        while true {
            try Task.checkCancellation()
            do {
                if needsSync {
                    try await load(syncer)
                    needsSync = false
                }
                try await syncer.updates(after: revision) { responses in
                    let requester: @Sendable () -> Void = { responses.requestProgress() }
                    let waiting = state.withLock { state -> Bool in
                        state.requestProgress = requester
                        return !state.revisionWaiters.isEmpty
                    }
                    defer { state.withLock { $0.requestProgress = nil } }
                    // A wait that began while no watch ran (between retries) asked no one: ask for it now.
                    if waiting { requester() }
                    retry.reset()
                    for try await response in responses { apply(response) }
                }
                // The watch ended without an error (the server cancelled it): follow again.
            } catch let error as EtcdError where error.code == .compacted {
                needsSync = true
            } catch let error as EtcdError where MirrorRetry.isTransient(error) {
                try await retry.wait()
                needsSync = needsSync || !isSynchronized
            }
        }
    }

    /// Reads the range at the current revision and puts it in place of the content.
    private func load(_ syncer: EtcdSyncer) async throws {
        var loaded = MirrorContent()
        for try await page in syncer.basePages(pageBytes: pageBytes) {
            for keyValue in page.keyValues { loaded.append(keyValue) }
            loaded.revision = page.revision
        }
        let (subscribers, syncWaiters, revisionWaiters, change) = state.withLock { state in
            let (upserted, removed) = state.content.difference(to: loaded)
            if state.isSynchronized { state.reloads += 1 }
            state.content = loaded
            state.isSynchronized = true
            defer { state.syncWaiters = [:] }
            return (
                Array(state.subscribers.values), Array(state.syncWaiters.values), reached(&state),
                EtcdMirrorChange.reloaded(upserted: upserted, removed: removed, revision: loaded.revision)
            )
        }
        for subscriber in subscribers { subscriber.push([change], revision: loaded.revision) }
        for waiter in syncWaiters { waiter.resume() }
        for waiter in revisionWaiters { waiter.resume() }
    }

    /// Applies a watch response: its events, or the revision a progress notification reports.
    private func apply(_ response: EtcdWatchResponse) {
        let (subscribers, changes, revision, waiters) = state.withLock { state in
            let changes = state.content.apply(response.events)
            // Events carry their revisions; a progress notification (no events) says every event up to its
            // header's revision was sent. (The header of a response with events may run ahead of them.)
            let reached = response.events.last?.revision ?? response.header.revision
            state.content.revision = max(state.content.revision, reached)
            return (Array(state.subscribers.values), changes, state.content.revision, self.reached(&state))
        }
        for subscriber in subscribers { subscriber.push(changes, revision: revision) }
        for waiter in waiters { waiter.resume() }
    }

    /// Takes out the revision waiters the content has reached.
    private func reached(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        let revision = state.content.revision
        let done = state.revisionWaiters.filter { $0.value.revision <= revision }
        for token in done.keys { state.revisionWaiters.removeValue(forKey: token) }
        return done.values.map(\.continuation)
    }

    /// The run ended with `error`: waiters and change streams end with it (a cancelled run ends streams normally).
    private func stop(_ error: any Error) {
        let (syncWaiters, revisionWaiters, subscribers) = state.withLock { state in
            state.isRunning = false
            state.requestProgress = nil
            if !(error is CancellationError) { state.failure = error }
            defer {
                state.syncWaiters = [:]
                state.revisionWaiters = [:]
            }
            return (
                Array(state.syncWaiters.values), state.revisionWaiters.values.map(\.continuation),
                Array(state.subscribers.values)
            )
        }
        let cancelled = error is CancellationError
        for subscriber in subscribers { subscriber.finish(cancelled ? .success(()) : .failure(error)) }
        // A waiter was not cancelled itself: it learns that the run it waited on was.
        let reason = cancelled ? EtcdError(.cancelled, message: "the mirror's run() was cancelled") : error
        for waiter in syncWaiters + revisionWaiters { waiter.resume(throwing: reason) }
    }
}
