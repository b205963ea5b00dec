import _EtcdWire

/// A leader's identity in the server's election service (`v3electionpb.LeaderKey`).
public struct EtcdServiceLeaderKey: Hashable, Sendable {
    /// The election's name.
    public let name: EtcdKey
    /// The leader's key.
    public let key: EtcdKey
    /// The key's creation revision.
    public let revision: Int64
    /// The lease holding the key.
    public let lease: EtcdLeaseID

    init(_ leader: V3ElectionPB.LeaderKey?) {
        name = EtcdKey(bytes: leader?.name ?? [])
        key = EtcdKey(bytes: leader?.key ?? [])
        revision = leader?.rev ?? 0
        lease = EtcdLeaseID(rawValue: leader?.lease ?? 0)
    }

    var message: V3ElectionPB.LeaderKey {
        var leader = V3ElectionPB.LeaderKey()
        leader.name = name.bytes
        leader.key = key.bytes
        leader.rev = revision
        leader.lease = lease.rawValue
        return leader
    }
}

extension EtcdClient {
    /// Campaigns with the server's own recipe (the `v3electionpb.Election` service), waiting until elected.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    public func campaignWithService(
        name: EtcdKey,
        lease: EtcdLeaseID,
        value: some EtcdValueRepresentable
    ) async throws -> EtcdServiceLeaderKey {
        var request = V3ElectionPB.CampaignRequest()
        request.name = namespace?.prefixed(name.bytes) ?? name.bytes
        request.lease = lease.rawValue
        request.value = value.etcdValueBytes
        let options = CallOptions(timeout: nil)
        let leader = try await call(V3ElectionPB.ElectionService.Campaign.self, request, options: options).leader
        return EtcdServiceLeaderKey(namespace.map { $0.stripped(leader) } ?? leader)
    }

    /// Proclaims a new value as the leader, through the election service.
    ///
    /// - Throws: `EtcdError` (the server's "not leader" error when the key no longer leads).
    public func proclaimWithService(_ leader: EtcdServiceLeaderKey, value: some EtcdValueRepresentable) async throws {
        var request = V3ElectionPB.ProclaimRequest()
        request.leader = namespace?.prefixed(leader.message) ?? leader.message
        request.value = value.etcdValueBytes
        _ = try await call(V3ElectionPB.ElectionService.Proclaim.self, request)
    }

    /// Resigns leadership, through the election service.
    ///
    /// - Throws: `EtcdError`.
    public func resignWithService(_ leader: EtcdServiceLeaderKey) async throws {
        var request = V3ElectionPB.ResignRequest()
        request.leader = namespace?.prefixed(leader.message) ?? leader.message
        _ = try await call(V3ElectionPB.ElectionService.Resign.self, request)
    }

    /// The current leader of an election, through the election service.
    ///
    /// - Throws: `EtcdError` (the server's "no leader" error when nobody leads).
    public func leaderWithService(name: EtcdKey) async throws -> EtcdKeyValue? {
        var request = V3ElectionPB.LeaderRequest()
        request.name = namespace?.prefixed(name.bytes) ?? name.bytes
        let leader = try await call(V3ElectionPB.ElectionService.Leader.self, request).kv
        return (namespace.map { $0.stripped(leader) } ?? leader).map(EtcdKeyValue.init)
    }

    /// Follows an election's leaders through the election service's server stream; `consume` gets each leader.
    ///
    /// - Throws: `EtcdError`, or what `consume` throws; the stream is reset in either case.
    public func observeWithService(name: EtcdKey, _ consume: (EtcdKeyValue) async throws -> Void) async throws {
        var request = V3ElectionPB.LeaderRequest()
        request.name = namespace?.prefixed(name.bytes) ?? name.bytes
        var options = configuration.defaultCallOptions
        options.timeout = nil  // an observation lasts until the caller ends it
        try await serverStreamingCall(V3ElectionPB.ElectionService.Observe.self, request, options: options) {
            response in
            if let kv = response.kv {
                try await consume(EtcdKeyValue(kv).mapKey { namespace?.strippedKey($0) ?? $0 })
            }
        }
    }
}
