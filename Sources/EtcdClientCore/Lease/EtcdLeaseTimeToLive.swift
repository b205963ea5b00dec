import _EtcdWire

/// What the server knows of a lease: its remaining and granted TTL, and the keys attached to it.
public struct EtcdLeaseTimeToLive: Hashable, Sendable {
    /// The response header.
    public let header: EtcdResponseHeader
    /// The lease.
    public let id: EtcdLeaseID
    /// The remaining TTL; `nil` when the lease does not exist (expired or revoked).
    public let remainingTTL: Duration?
    /// The TTL granted at creation or last renewal.
    public let grantedTTL: Duration
    /// The keys attached to the lease, when asked for.
    public let keys: [EtcdKey]

    init(_ response: EtcdserverPB.LeaseTimeToLiveResponse) {
        header = EtcdResponseHeader(response.header)
        id = EtcdLeaseID(rawValue: response.id)
        remainingTTL = response.ttl < 0 ? nil : .seconds(response.ttl)
        grantedTTL = .seconds(response.grantedTTL)
        keys = response.keys.map { EtcdKey(bytes: $0) }
    }
}
