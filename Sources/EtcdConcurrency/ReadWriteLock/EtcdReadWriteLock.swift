import EtcdClientCore

/// A distributed read-write lock: many readers at once, or one writer alone. Compatible with the Go recipe
/// (`contrib/recipes.RWMutex`): a Go process and a Swift process can share one.
///
/// Each acquisition writes a unique key, `name/read/<nanoseconds>` or `name/write/<nanoseconds>`, attached to the
/// session's lease. A reader holds once no writer's key created before its own is left; a writer holds once no key
/// created before its own is left. The lock is fair: a waiting writer goes before readers that came after it, so a
/// stream of readers cannot starve it. Acquiring when uncontended takes one round trip, and waits see each release
/// as it commits (through one synced watch of the prefix, not the Go recipe's watch from a past revision, which
/// etcd serves only every 100 ms).
///
/// Releases are fenced on the key's creation revision, like ``EtcdMutex``'s.
public final class EtcdReadWriteLock: Sendable {
    /// Which side of the lock an acquisition takes.
    private enum Side: String {
        case read
        case write
    }

    /// The session whose lease holds the lock's keys.
    public let session: EtcdSession
    /// The prefix of the holders' and waiters' keys, with its trailing `/`.
    public let prefix: EtcdKey
    private let name: String
    private let deletions: PrefixDeletionFeed

    /// Creates a read-write lock named `name` (keys `name/read/...` and `name/write/...`), held through `session`.
    public init(session: EtcdSession, name: String) {
        self.session = session
        self.name = name
        self.prefix = EtcdKey(name + "/")
        self.deletions = PrefixDeletionFeed(session: session, prefix: prefix)
    }

    /// Acquires a read lock: waits until no writer that came before holds or waits.
    ///
    /// A cancelled wait removes our key. If the session ends while waiting, the wait ends with its error.
    ///
    /// - Returns: the ownership of this read lock, to pass to ``unlock(_:)``; its fence guards writes.
    /// - Throws: `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func readLock() async throws -> EtcdLockOwnership {
        try await acquire(.read)
    }

    /// Acquires the write lock: waits until every reader and writer that came before is gone.
    ///
    /// A cancelled wait removes our key. If the session ends while waiting, the wait ends with its error.
    ///
    /// - Returns: the ownership of the write lock, to pass to ``unlock(_:)``; its fence guards writes.
    /// - Throws: `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func writeLock() async throws -> EtcdLockOwnership {
        try await acquire(.write)
    }

    /// Releases a read or write lock: deletes its key if it is still the one that acquisition created.
    ///
    /// - Throws: `EtcdError`.
    public func unlock(_ ownership: EtcdLockOwnership) async throws {
        try await FencedRelease.release(ownership.key, createdAt: ownership.revision, session: session, reused: false)
    }

    /// Runs `body` under a read lock, and releases it when `body` returns or throws, or the task is cancelled. If
    /// the session ends while `body` runs, `body` is cancelled and the session's error thrown.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func withReadLock<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result {
        try await runHolding(readLock(), body)
    }

    /// Runs `body` under the write lock, and releases it when `body` returns or throws, or the task is cancelled. If
    /// the session ends while `body` runs, `body` is cancelled and the session's error thrown.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func withWriteLock<Result: Sendable>(
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result {
        try await runHolding(writeLock(), body)
    }

    // MARK: - Internals

    private func runHolding<Result: Sendable>(
        _ held: EtcdLockOwnership,
        _ body: @escaping @Sendable (EtcdLockOwnership) async throws -> Result
    ) async throws -> Result {
        try await ScopedCleanup.run {
            try await SessionGuard.run(while: session) { try await body(held) }
        } thenCleanUp: { [self] in
            try await unlock(held)
        }
    }

    /// The keys that stand in the way of `side`: writers' for a reader, everyone's for a writer.
    private func blockers(of side: Side) -> EtcdKeyRange {
        side == .read ? .prefix(EtcdKey(name + "/write/")) : .prefix(prefix)
    }

    private func acquire(_ side: Side) async throws -> EtcdLockOwnership {
        if let failure = session.failure { throw failure }
        let client = session.client
        let blockers = blockers(of: side)
        // Our key and, in the same transaction, the two newest blockers (one of them is ours when we write).
        let (key, response) = try await UniqueRecipeKey.create(
            under: name + "/" + side.rawValue,
            lease: session.lease,
            alsoReading: [
                .get(EtcdGetRequest(blockers, limit: 2, sort: .descending(by: .createRevision), output: .keysOnly))
            ],
            client: client
        )
        let revision = response.header.revision
        do {
            guard case .get(let newest) = response.responses.last else {
                throw EtcdError(.malformedResponse, message: "unexpected read-write lock transaction response")
            }
            guard newest.keyValues.contains(where: { $0.createRevision < revision }) else {
                return EtcdLockOwnership(key: key, revision: revision, header: response.header)
            }
            let predecessor = EtcdGetRequest(
                blockers,
                limit: 1,
                sort: .descending(by: .createRevision),
                output: .keysOnly,
                createRevision: .atMost(revision - 1)
            )
            let header = try await SessionGuard.run(while: session) {
                try await PredecessorWait.waitForPredecessors(
                    reading: predecessor,
                    client: client,
                    feed: self.deletions
                )
            }
            // The session may have ended while we waited: our key must still be there.
            guard let mine = try await client.get(key), mine.createRevision == revision else {
                throw session.failure
                    ?? EtcdError(.lockNotHeld, message: "our lock key \(key) was deleted while waiting")
            }
            return EtcdLockOwnership(key: key, revision: revision, header: header)
        } catch {
            // Leave the queue, so that nobody waits behind a key that no one holds.
            await FencedRelease.releaseUncancellably(key, createdAt: revision, session: session, reused: false)
            throw error
        }
    }
}
