import _EtcdWire

/// One member of the cluster.
public struct EtcdMember: Hashable, Sendable {
    /// The member's ID.
    public let id: UInt64
    /// The member's name; empty for a member that was added but has not started yet.
    public let name: String
    /// The URLs the member talks to its peers on.
    public let peerURLs: [String]
    /// The URLs clients reach the member on.
    public let clientURLs: [String]
    /// Whether the member is a non-voting learner.
    public let isLearner: Bool

    init(_ member: EtcdserverPB.Member) {
        id = member.id
        name = member.name
        peerURLs = member.peerURLs
        clientURLs = member.clientURLs
        isLearner = member.isLearner
    }
}

/// The result of a membership call: the header and the members afterwards.
public struct EtcdMembersResponse: Hashable, Sendable {
    /// The response header.
    public let header: EtcdResponseHeader
    /// The cluster's members after the call.
    public let members: [EtcdMember]
    /// The member the call added, for ``EtcdClient/addMember(peerURLs:asLearner:)``.
    public let added: EtcdMember?

    init(header: EtcdserverPB.ResponseHeader?, members: [EtcdserverPB.Member], added: EtcdserverPB.Member? = nil) {
        self.header = EtcdResponseHeader(header)
        self.members = members.map(EtcdMember.init)
        self.added = added.map(EtcdMember.init)
    }
}
