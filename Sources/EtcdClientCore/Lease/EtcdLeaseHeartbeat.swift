/// A renewal of a lease that the server acknowledged.
public struct EtcdLeaseHeartbeat: Hashable, Sendable {
    /// The lease.
    public let lease: EtcdLeaseID
    /// The lease's TTL after the renewal.
    public let ttl: Duration
    /// The response header.
    public let header: EtcdResponseHeader

    /// Creates a heartbeat.
    public init(lease: EtcdLeaseID, ttl: Duration, header: EtcdResponseHeader) {
        self.lease = lease
        self.ttl = ttl
        self.header = header
    }
}
