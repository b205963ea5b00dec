import _EtcdWire

/// A lease the server granted.
public struct EtcdLeaseGrant: Hashable, Sendable {
    /// The response header.
    public let header: EtcdResponseHeader
    /// The lease's ID.
    public let id: EtcdLeaseID
    /// The TTL the server granted, which may be larger than the one asked for (the server has a minimum).
    public let ttl: Duration

    init(_ response: EtcdserverPB.LeaseGrantResponse) {
        header = EtcdResponseHeader(response.header)
        id = EtcdLeaseID(rawValue: response.id)
        ttl = .seconds(response.ttl)
    }
}
