import _EtcdWire

extension EtcdClient {
    /// Grants a lease: keys attached to it are deleted when it expires or is revoked.
    ///
    /// - Parameters:
    ///   - ttl: the time to live, in whole seconds (rounded up); the server may raise it to its minimum.
    ///   - id: the ID to use; `nil` (the default) lets the server choose.
    /// - Returns: the lease's ID and granted TTL.
    /// - Throws: `EtcdError` (`.leaseExists`, `.leaseTTLTooLarge`, ...); `CancellationError`.
    public func grantLease(ttl: Duration, id: EtcdLeaseID? = nil) async throws -> EtcdLeaseGrant {
        var request = EtcdserverPB.LeaseGrantRequest()
        let (seconds, attoseconds) = ttl.components
        request.ttl = seconds + (attoseconds > 0 ? 1 : 0)
        request.id = id?.rawValue ?? 0
        return EtcdLeaseGrant(try await call(EtcdserverPB.LeaseService.LeaseGrant.self, request))
    }

    /// Revokes a lease: it ends at once and the keys attached to it are deleted.
    ///
    /// - Returns: the response header.
    /// - Throws: `EtcdError` (`.leaseNotFound`); `CancellationError`.
    @discardableResult
    public func revokeLease(_ id: EtcdLeaseID) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.LeaseRevokeRequest()
        request.id = id.rawValue
        return EtcdResponseHeader(try await call(EtcdserverPB.LeaseService.LeaseRevoke.self, request).header)
    }
}
