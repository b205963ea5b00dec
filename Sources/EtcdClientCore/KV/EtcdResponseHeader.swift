import _EtcdWire

/// The header of every etcd response: which cluster and member answered, at which revision and raft term.
public struct EtcdResponseHeader: Hashable, Sendable {
    /// The ID of the cluster that answered.
    public let clusterID: UInt64
    /// The ID of the member that answered.
    public let memberID: UInt64
    /// The key-value store revision when the request was applied.
    public let revision: Int64
    /// The raft term when the request was applied.
    public let raftTerm: UInt64

    /// Creates a header.
    public init(clusterID: UInt64, memberID: UInt64, revision: Int64, raftTerm: UInt64) {
        self.clusterID = clusterID
        self.memberID = memberID
        self.revision = revision
        self.raftTerm = raftTerm
    }

    init(_ header: EtcdserverPB.ResponseHeader?) {
        self.init(
            clusterID: header?.clusterId ?? 0,
            memberID: header?.memberId ?? 0,
            revision: header?.revision ?? 0,
            raftTerm: header?.raftTerm ?? 0
        )
    }
}
