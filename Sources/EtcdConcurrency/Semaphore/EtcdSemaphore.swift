import EtcdClientCore

/// A distributed counting semaphore: at most `limit` holders at once, each holding through its session's lease.
/// The Go recipes have none.
///
/// Each contender writes `name/` followed by its session's lease ID in lower-case hex (the mutex's layout), attached
/// to the lease; the `limit` keys with the lowest creation revisions hold a permit. The semaphore is fair (first
/// come, first served), a permit is taken in one round trip when one is free, a holder whose session ends stops
/// counting at once (its key goes with its lease), and each release is fenced like ``EtcdMutex``'s. Every contender
/// must use the same `limit`: it is not stored in etcd. One session holds at most one permit of a semaphore.
public final class EtcdSemaphore: Sendable {
    private let permits: PermitQueue

    /// Creates a semaphore named `name` (keys `name/<lease hex>`) with `limit` permits, taken through `session`.
    ///
    /// - Parameters:
    ///   - session: the session whose lease holds this process's permit.
    ///   - name: the semaphore's name, the prefix of its keys.
    ///   - limit: how many hold at once; at least 1 (a smaller value is taken as 1).
    public init(session: EtcdSession, name: String, limit: Int) {
        self.permits = PermitQueue(session: session, name: name, limit: limit)
    }

    /// The session whose lease holds our key.
    public var session: EtcdSession { permits.session }

    /// How many hold at once.
    public var limit: Int { permits.limit }

    /// The prefix of the contenders' keys, with its trailing `/`.
    public var prefix: EtcdKey { permits.prefix }

    /// Our key: the prefix followed by the session's lease ID in lower-case hex.
    public var key: EtcdKey { permits.key }

    /// The permit held through this object, if any.
    public var currentOwnership: EtcdLockOwnership? { permits.currentOwnership }

    /// Takes a permit, waiting behind earlier contenders while `limit` others hold one.
    ///
    /// A cancelled wait removes our key. If the session ends while waiting, the wait ends with its error.
    ///
    /// - Returns: the ownership of the permit; its ``EtcdLockOwnership/fence`` guards writes.
    /// - Throws: `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    @discardableResult
    public func acquire() async throws -> EtcdLockOwnership {
        try await permits.acquire()
    }

    /// Takes a permit if one is free now, without waiting.
    ///
    /// - Returns: the ownership, or `nil` when `limit` others hold one (no key of ours is left behind).
    /// - Throws: `EtcdError`; `CancellationError`.
    public func tryAcquire() async throws -> EtcdLockOwnership? {
        try await permits.tryAcquire()
    }

    /// Gives the permit back: deletes our key if it is still the one this acquisition created. An unknown outcome
    /// is thrown and settled before this session takes a permit of this semaphore again.
    ///
    /// - Throws: `EtcdError.Code.lockNotHeld` when no permit is held through this object (nothing is deleted);
    ///   `EtcdError`.
    public func release() async throws {
        try await permits.release(deletesUnheldKey: false)
    }

    /// Runs `body` holding a permit, and gives it back when `body` returns or throws, or the task is cancelled. If
    /// the session ends while `body` runs, `body` is cancelled and the session's error thrown.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func withPermit<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result {
        try await permits.runHolding(permits.acquire(), body)
    }

    /// Runs `body` holding a permit if one is free now; returns `nil` at once otherwise.
    ///
    /// - Returns: what `body` returns, or `nil` when no permit was free.
    /// - Throws: what `body` throws; `EtcdError`; `CancellationError`.
    public func withPermitIfAvailable<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result? {
        guard let held = try await permits.tryAcquire() else { return nil }
        return try await permits.runHolding(held, body)
    }
}
