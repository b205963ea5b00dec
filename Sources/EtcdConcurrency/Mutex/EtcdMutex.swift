import EtcdClientCore
import Synchronization

/// A distributed lock, compatible with the Go recipe (`clientv3/concurrency.Mutex`) and `etcdctl lock`.
///
/// Each contender writes `prefix/` followed by its session's lease ID in lower-case hex, attached to the
/// lease; the key with the lowest creation revision holds the lock, and each waiter waits for the deletion
/// of the key just before its own, so the lock is fair (first come, first served). Locking when
/// uncontended takes one round trip.
///
/// Unlike the Go recipe, every release is fenced: it deletes our key only while it is the one this acquisition
/// created, and a release whose outcome is unknown is settled before the session locks again, so that a late
/// release never frees a later holder's lock (see ``unlock()``).
public final class EtcdMutex: Sendable {
    /// The session whose lease holds the lock's key.
    public let session: EtcdSession
    /// The prefix of the contenders' keys, with its trailing `/`.
    public var prefix: EtcdKey { queue.prefix }
    private let queue: RecipeQueue
    private let deletions: PrefixDeletionFeed
    private let ownership = Mutex<EtcdLockOwnership?>(nil)

    /// Creates a mutex named `name` (keys `name/<lease hex>`), held through `session`.
    public init(session: EtcdSession, name: String) {
        self.session = session
        self.queue = RecipeQueue(name: name)
        self.deletions = PrefixDeletionFeed(session: session, prefix: queue.prefix)
    }

    /// Our key: the prefix followed by the session's lease ID in lower-case hex, as the Go recipe writes it.
    public var key: EtcdKey {
        queue.key(of: session)
    }

    /// The current ownership, while the lock is held through this object.
    public var currentOwnership: EtcdLockOwnership? {
        ownership.withLock { $0 }
    }

    /// Acquires the lock, waiting behind earlier contenders.
    ///
    /// A cancelled wait removes our key. If the session ends while waiting, the wait ends with its error.
    ///
    /// - Returns: the ownership, with the fence for guarded writes.
    /// - Throws: `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    @discardableResult
    public func lock() async throws -> EtcdLockOwnership {
        let (revision, owner, header) = try await enqueue()
        if owner == nil || owner?.createRevision == revision {
            return hold(revision: revision, header: header)
        }
        let client = session.client
        let key = key
        let acquired: EtcdResponseHeader
        do {
            acquired = try await SessionGuard.run(while: session) {
                try await PredecessorWait.waitForPredecessors(
                    of: revision,
                    in: self.queue,
                    client: client,
                    feed: self.deletions
                )
            }
            // The session may have ended while we waited: our key must still be the one we queued with.
            guard let mine = try await client.get(key), mine.createRevision == revision else {
                throw session.failure
                    ?? EtcdError(
                        .lockNotHeld,
                        message: "our lock key \(key) was deleted or re-created while waiting; the session is alive"
                    )
            }
        } catch {
            // Leave the queue, as the Go recipe does, so that nobody waits behind a key that no one holds.
            await release(revision)
            throw error
        }
        return hold(revision: revision, header: acquired)
    }

    /// Acquires the lock if nobody holds it, without waiting.
    ///
    /// - Returns: the ownership, or `nil` when another contender holds the lock (no key of ours is left behind).
    /// - Throws: `EtcdError`; `CancellationError`.
    public func tryLock() async throws -> EtcdLockOwnership? {
        let (revision, owner, header) = try await enqueue()
        if owner == nil || owner?.createRevision == revision {
            return hold(revision: revision, header: header)
        }
        await release(revision)
        return nil
    }

    /// Releases the lock: deletes our key if it is still the one this acquisition created (a later acquisition's
    /// key is never deleted). Without an acquisition through this object, deletes our key, as the Go recipe does.
    ///
    /// When the outcome stays unknown (the call failed after it may have reached a member), the error is thrown,
    /// and the release is sent again before this session locks this mutex again.
    ///
    /// - Throws: `EtcdError`.
    public func unlock() async throws {
        guard let held = ownership.withLock({ $0.take() }) else {
            try await session.client.delete(key)
            return
        }
        try await FencedRelease.release(key, createdAt: held.revision, session: session)
    }

    /// Runs `body` while holding the lock, and releases it when `body` returns or throws, or the task is
    /// cancelled. If the session ends while `body` runs, `body` is cancelled and the session's error thrown.
    ///
    /// - Parameter body: the work to do under the lock; it receives the ownership, whose ``EtcdLockOwnership/fence``
    ///   guards writes.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func withLock<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result {
        let held = try await lock()
        return try await runHolding(held, body)
    }

    /// Runs `body` under the lock if it is free now; returns `nil` at once when another contender holds it.
    ///
    /// - Returns: what `body` returns, or `nil` when the lock was taken.
    /// - Throws: what `body` throws; `EtcdError`; `CancellationError`.
    public func withLockIfAvailable<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result? {
        guard let held = try await tryLock() else { return nil }
        return try await runHolding(held, body)
    }

    // MARK: - Internals

    private func runHolding<Result: Sendable>(
        _ held: EtcdLockOwnership,
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result {
        try await ScopedCleanup.run {
            try await SessionGuard.run(while: session) { try await body(held) }
        } thenCleanUp: { [self] in
            ownership.withLock { $0 = nil }
            try await FencedRelease.release(key, createdAt: held.revision, session: session)
        }
    }

    /// Releases the key created at `revision`, whatever the calling task's state; a failure is left to be settled
    /// before the next acquisition.
    private func release(_ revision: Int64) async {
        let key = key
        let session = session
        await ScopedCleanup.uncancellable {
            try await FencedRelease.release(key, createdAt: revision, session: session)
        }
    }

    /// Puts our key in the queue (or finds it there) and reads the current holder, in one transaction.
    private func enqueue() async throws -> (revision: Int64, owner: EtcdKeyValue?, header: EtcdResponseHeader) {
        if let failure = session.failure { throw failure }
        let key = key
        try await FencedRelease.settle(key, session: session)
        let holder = queue.head
        let response = try await session.client.txn(
            if: [.missing(key)],
            then: [.put(key, value: "", lease: session.lease), .get(holder)],
            else: [.get(key), .get(holder)]
        )
        guard response.responses.count == 2, case .get(let owners) = response.responses[1] else {
            throw EtcdError(.malformedResponse, message: "unexpected lock transaction response")
        }
        var revision = response.header.revision
        if !response.succeeded {
            guard case .get(let mine) = response.responses[0], let existing = mine.keyValues.first else {
                throw EtcdError(.malformedResponse, message: "the lock key vanished within the transaction")
            }
            revision = existing.createRevision
        }
        return (revision, owners.keyValues.first, response.header)
    }

    private func hold(revision: Int64, header: EtcdResponseHeader) -> EtcdLockOwnership {
        let held = EtcdLockOwnership(key: key, revision: revision, header: header)
        ownership.withLock { $0 = held }
        return held
    }
}
