import EtcdClientCore

/// Leadership of an ``EtcdElection``: our key, its creation revision, and what a leader can do.
public struct EtcdLeadership: Sendable {
    /// The election.
    public let election: EtcdElection
    /// Our key: the election's prefix followed by the session's lease ID in lower-case hex.
    public let key: EtcdKey
    /// The creation revision of our key.
    public let revision: Int64
    /// The header of the response that made us leader.
    public let header: EtcdResponseHeader

    /// A comparison that holds only while we lead: put it in the `if` of a transaction to guard a write.
    public var fence: EtcdCompare {
        .createRevision(key, .equal, revision)
    }

    /// Announces a new value while keeping leadership.
    ///
    /// - Throws: `EtcdError` (`.notLeading` when we no longer lead).
    public func proclaim(_ value: some EtcdValueRepresentable) async throws {
        let response = try await election.session.client.txn(
            if: [fence],
            then: [.put(key, value: value, lease: election.session.lease)]
        )
        guard response.succeeded else {
            throw EtcdError(.notLeading, message: "the leadership key \(key) is gone or was re-created")
        }
    }

    /// Gives up leadership: deletes our key if it is still ours. When the outcome stays unknown, the error is
    /// thrown, and the resignation is sent again before this session campaigns in this election again.
    ///
    /// - Throws: `EtcdError`.
    public func resign() async throws {
        try await FencedRelease.release(key, createdAt: revision, session: election.session)
    }
}

/// A change of leader, as ``EtcdElection/observe(isolation:_:)`` reports it.
public enum EtcdLeaderChange: Hashable, Sendable {
    /// This key-value leads: a new leader, or a new value proclaimed by the same one.
    case leader(EtcdKeyValue)
    /// Nobody leads, as of this revision.
    case noLeader(revision: Int64)
}
