import EtcdClientCore
import _EtcdTransport

/// What a mutex and a semaphore share: a fair queue of session keys (`name/<lease hex>`, Go's lock layout) in which
/// the `limit` keys with the lowest creation revisions hold a permit, acquired in one round trip when free and
/// released with a fence on the key's creation revision.
///
/// A waiter of a mutex (`limit` 1) waits for the deletion of the key just before its own, as the Go recipe does.
/// A waiter of a semaphore waits for any deletion under the prefix and counts again: any holder that leaves may
/// let it in. Either way the deletion is seen through one synced watch of the prefix (``PrefixDeletionFeed``).
final class PermitQueue: Sendable {
    /// The session whose lease holds our key.
    let session: EtcdSession
    /// How many hold at once.
    let limit: Int
    private let queue: RecipeQueue
    private let deletions: PrefixDeletionFeed
    private let ownership = LockedValue<EtcdLockOwnership?>(nil)

    /// A queue named `name` in which `limit` hold at once.
    init(session: EtcdSession, name: String, limit: Int) {
        self.session = session
        self.limit = max(1, limit)
        self.queue = RecipeQueue(name: name)
        self.deletions = PrefixDeletionFeed(session: session, prefix: queue.prefix)
    }

    /// The prefix of the contenders' keys, with its trailing `/`.
    var prefix: EtcdKey { queue.prefix }

    /// Our key: the prefix followed by the session's lease ID in lower-case hex.
    var key: EtcdKey { queue.key(of: session) }

    /// The permit held through this object, if any.
    var currentOwnership: EtcdLockOwnership? {
        ownership.withLock { $0 }
    }

    /// Takes a permit, waiting behind earlier contenders. A cancelled or failed wait removes our key.
    func acquire() async throws -> EtcdLockOwnership {
        let (revision, holders, header) = try await enqueue()
        if holds(revision, among: holders) { return hold(revision: revision, header: header) }
        let acquired: EtcdResponseHeader
        do {
            acquired = try await SessionGuard.run(while: session) {
                self.limit == 1 ? try await self.waitForPredecessor(of: revision) : try await self.waitForRoom(revision)
            }
        } catch {
            await FencedRelease.releaseUncancellably(key, createdAt: revision, session: session)
            throw error
        }
        return hold(revision: revision, header: acquired)
    }

    /// Takes a permit if one is free now; otherwise leaves no key behind and returns `nil`.
    func tryAcquire() async throws -> EtcdLockOwnership? {
        let (revision, holders, header) = try await enqueue()
        if holds(revision, among: holders) { return hold(revision: revision, header: header) }
        await FencedRelease.releaseUncancellably(key, createdAt: revision, session: session)
        return nil
    }

    /// Gives the permit back (fenced). When this object holds none: deletes our key if `deletesUnheldKey` (the Go
    /// mutex's unlock), or throws `EtcdError.Code.lockNotHeld`.
    func release(deletesUnheldKey: Bool) async throws {
        guard let held = ownership.withLock({ $0.take() }) else {
            guard deletesUnheldKey else {
                throw EtcdError(.lockNotHeld, message: "release() without a permit held through this object")
            }
            try await session.client.delete(key)
            return
        }
        try await FencedRelease.release(key, createdAt: held.revision, session: session)
    }

    /// Runs `body` holding `held`, then releases it whatever happened; the session's end cancels `body`.
    func runHolding<Result: Sendable>(
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

    // MARK: - Internals

    /// The read of the holders: the `limit` keys with the lowest creation revisions.
    private var holders: EtcdGetRequest {
        EtcdGetRequest(.prefix(prefix), limit: limit, sort: .ascending(by: .createRevision), output: .keysOnly)
    }

    private func holds(_ revision: Int64, among holders: [EtcdKeyValue]) -> Bool {
        holders.contains { $0.key == key && $0.createRevision == revision }
    }

    /// Puts our key in the queue (or finds it there) and reads the holders, in one transaction.
    private func enqueue() async throws -> (revision: Int64, holders: [EtcdKeyValue], header: EtcdResponseHeader) {
        if let failure = session.failure { throw failure }
        let key = key
        try await FencedRelease.settle(key, session: session)
        let client = session.client
        let holders = holders
        let lease = session.lease
        // Not cancelled with the caller once sent: a key it creates must be known, to be taken out again.
        let response = try await Task {
            try await client.txn(
                if: [.missing(key)],
                then: [.put(key, value: "", lease: lease), .get(holders)],
                else: [.get(key), .get(holders)]
            )
        }.value
        if Task.isCancelled {
            // This call created the key (an existing one belongs to an earlier acquisition): take it out again.
            if response.succeeded {
                await FencedRelease.releaseUncancellably(key, createdAt: response.header.revision, session: session)
            }
            throw CancellationError()
        }
        guard response.responses.count == 2, case .get(let holders) = response.responses[1] else {
            throw EtcdError(.malformedResponse, message: "unexpected lock transaction response")
        }
        var revision = response.header.revision
        if !response.succeeded {
            guard case .get(let mine) = response.responses[0], let existing = mine.keyValues.first else {
                throw EtcdError(.malformedResponse, message: "the lock key vanished within the transaction")
            }
            revision = existing.createRevision
        }
        return (revision, holders.keyValues, response.header)
    }

    /// Waits until no key created before ours is left (`limit` 1).
    private func waitForPredecessor(of revision: Int64) async throws -> EtcdResponseHeader {
        let header = try await PredecessorWait.waitForPredecessors(
            reading: queue.predecessor(of: revision),
            client: session.client,
            feed: deletions
        )
        // The session may have ended while we waited: our key must still be the one we queued with.
        guard let mine = try await session.client.get(key), mine.createRevision == revision else {
            throw keyLost()
        }
        return header
    }

    /// Waits until our key, created at `revision`, is among the `limit` oldest.
    private func waitForRoom(_ revision: Int64) async throws -> EtcdResponseHeader {
        let key = key
        return try await deletions.whileRunning {
            while true {
                // Read after the feed's watch exists: a deletion after this read is seen by the watch.
                let response = try await session.client.txn(if: [], then: [.get(key), .get(holders)])
                guard response.responses.count == 2, case .get(let mine) = response.responses[0],
                    case .get(let holders) = response.responses[1]
                else {
                    throw EtcdError(.malformedResponse, message: "unexpected semaphore read response")
                }
                guard mine.keyValues.first?.createRevision == revision else { throw keyLost() }
                if holds(revision, among: holders.keyValues) { return response.header }
                try await deletions.waitForAnyDeletion(after: response.header.revision)
            }
        }
    }

    private func keyLost() -> EtcdError {
        session.failure
            ?? EtcdError(
                .lockNotHeld,
                message: "our lock key \(key) was deleted or re-created while waiting; the session is alive"
            )
    }

    private func hold(revision: Int64, header: EtcdResponseHeader) -> EtcdLockOwnership {
        let held = EtcdLockOwnership(key: key, revision: revision, header: header)
        ownership.withLock { $0 = held }
        return held
    }
}
