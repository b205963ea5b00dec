import _EtcdWire

/// One member's status: its version, database size, and raft position.
public struct EtcdStatusResponse: Hashable, Sendable {
    /// The response header; its member ID is the member that answered.
    public let header: EtcdResponseHeader
    /// The member's etcd version, such as `3.4.23`.
    public let version: String
    /// The size of the backend database on disk, in bytes.
    public let databaseSize: Int64
    /// The size of the database in use (the rest is free space a defragmentation returns), in bytes.
    public let databaseSizeInUse: Int64
    /// The ID of the member the answering member believes leads.
    public let leader: UInt64
    /// The member's raft index.
    public let raftIndex: UInt64
    /// The member's raft term.
    public let raftTerm: UInt64
    /// The member's applied raft index.
    public let raftAppliedIndex: UInt64
    /// Alarm and error descriptions the member reports.
    public let errors: [String]
    /// Whether the member is a learner.
    public let isLearner: Bool

    init(_ response: EtcdserverPB.StatusResponse) {
        header = EtcdResponseHeader(response.header)
        version = response.version
        databaseSize = response.dbSize
        databaseSizeInUse = response.dbSizeInUse
        leader = response.leader
        raftIndex = response.raftIndex
        raftTerm = response.raftTerm
        raftAppliedIndex = response.raftAppliedIndex
        errors = response.errors
        isLearner = response.isLearner
    }
}
