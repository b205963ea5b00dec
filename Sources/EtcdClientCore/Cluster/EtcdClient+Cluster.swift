import _EtcdWire

extension EtcdClient {
    /// Lists the cluster's members.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func members() async throws -> EtcdMembersResponse {
        let response = try await call(EtcdserverPB.ClusterService.MemberList.self, EtcdserverPB.MemberListRequest())
        return EtcdMembersResponse(header: response.header, members: response.members)
    }

    /// Adds a member, which must then be started with these peer URLs and `--initial-cluster-state existing`.
    ///
    /// - Parameters:
    ///   - peerURLs: the new member's peer URLs.
    ///   - asLearner: whether it joins as a non-voting learner. Defaults to `false`.
    /// - Throws: `EtcdError` (`.invalidArgument` for a URL that is not `http`, `https`, `unix` or `unixs` with a
    ///   host and port and nothing else, checked before anything is sent; `.peerURLExists`, `.memberBadURLs`,
    ///   `.tooManyLearners`, ...).
    public func addMember(peerURLs: [String], asLearner: Bool = false) async throws -> EtcdMembersResponse {
        try PeerURLValidation.check(peerURLs)
        var request = EtcdserverPB.MemberAddRequest()
        request.peerURLs = peerURLs
        request.isLearner = asLearner
        let response = try await call(EtcdserverPB.ClusterService.MemberAdd.self, request)
        return EtcdMembersResponse(header: response.header, members: response.members, added: response.member)
    }

    /// Removes a member.
    ///
    /// - Throws: `EtcdError` (`.memberNotFound`, `.memberNotEnoughStarted`, ...).
    public func removeMember(id: UInt64) async throws -> EtcdMembersResponse {
        var request = EtcdserverPB.MemberRemoveRequest()
        request.id = id
        let response = try await call(EtcdserverPB.ClusterService.MemberRemove.self, request)
        return EtcdMembersResponse(header: response.header, members: response.members)
    }

    /// Changes a member's peer URLs.
    ///
    /// The URLs are checked before anything is sent (etcd 3.4 does not check them).
    ///
    /// - Throws: `EtcdError` (`.invalidArgument` for a URL that is not `http`, `https`, `unix` or `unixs` with a
    ///   host and port and nothing else; `.memberNotFound`, `.peerURLExists`, ...).
    public func updateMember(id: UInt64, peerURLs: [String]) async throws -> EtcdMembersResponse {
        try PeerURLValidation.check(peerURLs)
        var request = EtcdserverPB.MemberUpdateRequest()
        request.id = id
        request.peerURLs = peerURLs
        let response = try await call(EtcdserverPB.ClusterService.MemberUpdate.self, request)
        return EtcdMembersResponse(header: response.header, members: response.members)
    }

    /// Promotes a learner that has caught up to a voting member.
    ///
    /// - Throws: `EtcdError` (`.memberNotLearner`, `.learnerNotReady`, ...).
    public func promoteMember(id: UInt64) async throws -> EtcdMembersResponse {
        var request = EtcdserverPB.MemberPromoteRequest()
        request.id = id
        let response = try await call(EtcdserverPB.ClusterService.MemberPromote.self, request)
        return EtcdMembersResponse(header: response.header, members: response.members)
    }
}
