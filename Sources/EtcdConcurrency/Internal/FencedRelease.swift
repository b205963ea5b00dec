import EtcdClientCore
import _EtcdTransport

/// How a recipe deletes its own key: only while it is the key it created (a fence on its creation revision), and
/// never leaving an unknown outcome behind.
///
/// A plain delete sent to a member that stalls (a paused leader) can be applied seconds later, after the same
/// session created the key again for a later acquisition (the key name is the same each time), and delete that
/// one: the next contender then walks in while we believe we hold the lock. The Go recipe has this hole. Here a
/// release deletes the key only if its creation revision is still the one we hold, so a late one deletes nothing
/// new; and a release whose outcome stays unknown (the request may still be applied) is settled, sent again until
/// a member answers, before the same session writes that key again, so that a late copy finds a different
/// creation revision.
enum FencedRelease {
    /// How long one release may take: the cleanup deadline, shorter than the default call timeout, so that
    /// cleanup after a cancel does not hold its caller for long; an unanswered one is settled later.
    static let timeout = ScopedCleanup.deadline

    /// Deletes `key` if it is still the one created at `revision`.
    ///
    /// - Parameter reused: whether the session writes this key name again (a mutex, election or semaphore key);
    ///   only then is an unknown outcome remembered, to be settled before that write. A unique key (a read-write
    ///   lock's, a barrier's) is never re-created, so a late copy of its release deletes nothing.
    /// - Returns: whether it deleted the key (`false`: it was already gone or re-created).
    /// - Throws: `EtcdError`; an outcome left unknown (or cancellation) is remembered in `session` first.
    @discardableResult
    static func release(
        _ key: EtcdKey,
        createdAt revision: Int64,
        session: EtcdSession,
        reused: Bool = true
    ) async throws -> Bool {
        if reused { session.unsettledReleases.withLock { $0[key] = revision } }
        let response: EtcdTxnResponse
        do {
            response = try await session.client.txn(
                EtcdTxnRequest(if: [.createRevision(key, .equal, revision)], then: [.delete(key)]),
                options: EtcdClient.CallOptions(timeout: timeout)
            )
        } catch let error as EtcdError where error.requestNotSent {
            // Certainly not applied: nothing is left to settle.
            if reused { forget(key, createdAt: revision, session: session) }
            throw error
        }
        if reused { forget(key, createdAt: revision, session: session) }
        return response.succeeded
    }

    /// ``release(_:createdAt:session:reused:)`` whatever the calling task's state (a cancelled or failed wait leaving
    /// the queue), within the cleanup deadline; a failure is left to be settled before the next acquisition.
    static func releaseUncancellably(
        _ key: EtcdKey,
        createdAt revision: Int64,
        session: EtcdSession,
        reused: Bool = true
    ) async {
        await ScopedCleanup.uncancellable {
            try await release(key, createdAt: revision, session: session, reused: reused)
        }
    }

    private static func forget(_ key: EtcdKey, createdAt revision: Int64, session: EtcdSession) {
        session.unsettledReleases.withLock { if $0[key] == revision { $0[key] = nil } }
    }

    /// Before `session` writes `key` again: sends again a release of it whose outcome is unknown, until a member
    /// answers it.
    ///
    /// - Throws: `EtcdError` when it cannot be settled now (the caller fails rather than risk the late release);
    ///   `CancellationError`.
    static func settle(_ key: EtcdKey, session: EtcdSession) async throws {
        guard let revision = session.unsettledReleases.withLock({ $0[key] }) else { return }
        try await release(key, createdAt: revision, session: session)
    }
}
