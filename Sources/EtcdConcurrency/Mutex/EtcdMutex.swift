import EtcdClientCore

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
    private let permits: PermitQueue

    /// Creates a mutex named `name` (keys `name/<lease hex>`), held through `session`.
    public init(session: EtcdSession, name: String) {
        self.permits = PermitQueue(session: session, name: name, limit: 1)
    }

    /// The session whose lease holds the lock's key.
    public var session: EtcdSession { permits.session }

    /// The prefix of the contenders' keys, with its trailing `/`.
    public var prefix: EtcdKey { permits.prefix }

    /// Our key: the prefix followed by the session's lease ID in lower-case hex, as the Go recipe writes it.
    public var key: EtcdKey { permits.key }

    /// The current ownership, while the lock is held through this object.
    public var currentOwnership: EtcdLockOwnership? { permits.currentOwnership }

    /// Acquires the lock, waiting behind earlier contenders.
    ///
    /// A cancelled wait removes our key. If the session ends while waiting, the wait ends with its error.
    ///
    /// - Returns: the ownership, with the fence for guarded writes.
    /// - Throws: `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    @discardableResult
    public func lock() async throws -> EtcdLockOwnership {
        try await permits.acquire()
    }

    /// Acquires the lock if nobody holds it, without waiting.
    ///
    /// - Returns: the ownership, or `nil` when another contender holds the lock (no key of ours is left behind).
    /// - Throws: `EtcdError`; `CancellationError`.
    public func tryLock() async throws -> EtcdLockOwnership? {
        try await permits.tryAcquire()
    }

    /// Releases the lock: deletes our key if it is still the one this acquisition created (a later acquisition's
    /// key is never deleted). Without an acquisition through this object, deletes our key, as the Go recipe does.
    ///
    /// When the outcome stays unknown (the call failed after it may have reached a member), the error is thrown,
    /// and the release is sent again before this session locks this mutex again.
    ///
    /// - Throws: `EtcdError`.
    public func unlock() async throws {
        try await permits.release(deletesUnheldKey: true)
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
        try await permits.runHolding(permits.acquire(), body)
    }

    /// Runs `body` under the lock if it is free now; returns `nil` at once when another contender holds it.
    ///
    /// - Returns: what `body` returns, or `nil` when the lock was taken.
    /// - Throws: what `body` throws; `EtcdError`; `CancellationError`.
    public func withLockIfAvailable<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result? {
        guard let held = try await permits.tryAcquire() else { return nil }
        return try await permits.runHolding(held, body)
    }
}
