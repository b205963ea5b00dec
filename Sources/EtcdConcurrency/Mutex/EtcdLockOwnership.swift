import EtcdClientCore

/// Proof of holding an ``EtcdMutex``: our key, its creation revision, and the fence that guards writes.
public struct EtcdLockOwnership: Hashable, Sendable {
    /// Our key under the mutex's prefix: `prefix/` followed by the session's lease ID in lower-case hex.
    public let key: EtcdKey
    /// The creation revision of our key: the lock's fencing token, increasing with each acquisition.
    public let revision: Int64
    /// The header of the response that confirmed the lock.
    public let header: EtcdResponseHeader

    /// Creates an ownership.
    public init(key: EtcdKey, revision: Int64, header: EtcdResponseHeader) {
        self.key = key
        self.revision = revision
        self.header = header
    }

    /// A comparison that holds only while this ownership is current: put it in the `if` of a transaction to
    /// make a write that commits only under the lock.
    public var fence: EtcdCompare {
        .createRevision(key, .equal, revision)
    }
}
