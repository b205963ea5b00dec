import EtcdClientCore

/// A leader election, compatible with the Go recipe (`clientv3/concurrency.Election`) and `etcdctl elect`.
///
/// Each candidate writes `prefix/` followed by its session's lease ID in lower-case hex, with its proposal as
/// the value and the lease attached; the key with the lowest creation revision leads.
public final class EtcdElection: Sendable {
    /// The session whose lease holds our candidacy.
    public let session: EtcdSession
    /// The prefix of the candidates' keys, with its trailing `/`.
    public var prefix: EtcdKey { queue.prefix }
    private let queue: RecipeQueue
    private let deletions: PrefixDeletionFeed

    /// Creates an election named `name` (keys `name/<lease hex>`), campaigned for through `session`.
    public init(session: EtcdSession, name: String) {
        self.session = session
        self.queue = RecipeQueue(name: name)
        self.deletions = PrefixDeletionFeed(session: session, prefix: queue.prefix)
    }

    /// Our candidate key.
    public var key: EtcdKey {
        queue.key(of: session)
    }

    /// Campaigns with `value` and waits until elected.
    ///
    /// If our key already exists (a campaign of this session), it is reused and its value updated. A cancelled
    /// campaign withdraws our key; a session that ends while waiting ends the campaign with its error.
    ///
    /// - Returns: the leadership.
    /// - Throws: `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func campaign(value: some EtcdValueRepresentable) async throws -> EtcdLeadership {
        if let failure = session.failure { throw failure }
        let client = session.client
        let key = key
        try await FencedRelease.settle(key, session: session)
        let lease = session.lease
        let bytes = value.etcdValueBytes
        // Not cancelled with the caller once sent: a candidacy it creates must be known, to be withdrawn again.
        let response = try await Task {
            try await client.txn(if: [.missing(key)], then: [.put(key, value: bytes, lease: lease)], else: [.get(key)])
        }.value
        if Task.isCancelled {
            if response.succeeded {
                await FencedRelease.releaseUncancellably(key, createdAt: response.header.revision, session: session)
            }
            throw CancellationError()
        }
        let revision: Int64
        if response.succeeded {
            revision = response.header.revision
        } else {
            guard case .get(let mine)? = response.responses.first, let existing = mine.keyValues.first else {
                throw EtcdError(.malformedResponse, message: "the candidate key vanished within the transaction")
            }
            revision = existing.createRevision
            if existing.value != value.etcdValueBytes {
                try await EtcdLeadership(election: self, key: key, revision: revision, header: response.header)
                    .proclaim(value)
            }
        }
        let header: EtcdResponseHeader
        do {
            header = try await SessionGuard.run(while: session) {
                try await PredecessorWait.waitForPredecessors(
                    reading: self.queue.predecessor(of: revision),
                    client: client,
                    feed: self.deletions
                )
            }
        } catch {
            await FencedRelease.releaseUncancellably(key, createdAt: revision, session: session)
            throw error
        }
        return EtcdLeadership(election: self, key: key, revision: revision, header: header)
    }

    /// Campaigns with `value`, runs `body` while leading, and resigns when `body` returns or throws. If the
    /// session ends while `body` runs, `body` is cancelled and the session's error thrown.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError`; `CancellationError`.
    public func campaign<Result: Sendable>(
        value: some EtcdValueRepresentable,
        _ body: @escaping @Sendable (EtcdLeadership) async throws -> Result
    ) async throws -> Result {
        let leadership = try await campaign(value: value)
        return try await ScopedCleanup.run {
            try await SessionGuard.run(while: session) { try await body(leadership) }
        } thenCleanUp: {
            try await leadership.resign()
        }
    }

    /// Takes back leadership held by this session's key, as after a restart (Go's `ResumeElection`).
    ///
    /// - Parameters:
    ///   - key: the leader key, from an earlier ``EtcdLeadership/key``.
    ///   - revision: its creation revision, from ``EtcdLeadership/revision``.
    /// - Returns: the leadership, or `nil` when that key no longer leads.
    /// - Throws: `EtcdError`.
    public func resume(key: EtcdKey, revision: Int64) async throws -> EtcdLeadership? {
        let current = try await session.client.get(queue.head)
        guard let leader = current.keyValues.first, leader.key == key, leader.createRevision == revision else {
            return nil
        }
        return EtcdLeadership(election: self, key: key, revision: revision, header: current.header)
    }

    /// The current leader's key-value, or `nil` when nobody leads.
    ///
    /// - Throws: `EtcdError`.
    public func leader() async throws -> EtcdKeyValue? {
        try await session.client.get(queue.head).keyValues.first
    }

    /// Follows the leadership: runs `body` with the sequence of changes, which starts with the current state
    /// (a leader, or ``EtcdLeaderChange/noLeader(revision:)``), then reports each new leader, each value a
    /// leader proclaims, and "no leader" whenever the last candidate leaves. It survives reconnects.
    ///
    /// A consumer that falls behind by more than ``EtcdLeaderChanges/backlogLimit`` changes misses the oldest
    /// ones it has not taken, never the newest: memory stays bounded and the last change taken is current.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError`.
    ///
    /// - Parameters:
    ///   - isolation: the caller's actor, on which `body` runs; leave the default.
    ///   - body: reads the changes; leaving it stops observing.
    public func observe<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdLeaderChanges) async throws -> Result
    ) async throws -> Result {
        let (changes, continuation) = AsyncThrowingStream<EtcdLeaderChange, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(EtcdLeaderChanges.backlogLimit)
        )
        let client = session.client
        let queue = queue
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await LeaderObserver.run(queue: queue, client: client) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            defer { group.cancelAll() }
            return try await body(EtcdLeaderChanges(base: changes))
        }
    }
}

/// The leader changes of an election, as an `AsyncSequence`; see ``EtcdElection/observe(isolation:_:)``.
public struct EtcdLeaderChanges: AsyncSequence, Sendable {
    /// A change.
    public typealias Element = EtcdLeaderChange

    /// The most changes kept for a consumer that has not taken them; beyond it the oldest are dropped.
    public static let backlogLimit = 128

    let base: AsyncThrowingStream<EtcdLeaderChange, any Error>

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: EtcdStreamIterator(base))
    }

    /// Iterates the changes.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: EtcdStreamIterator<EtcdLeaderChange>

        /// The next change.
        ///
        /// - Throws: why observing ended (`EtcdError`); `CancellationError` when the task is cancelled.
        public mutating func next() async throws -> EtcdLeaderChange? {
            try await base.next()
        }
    }
}
