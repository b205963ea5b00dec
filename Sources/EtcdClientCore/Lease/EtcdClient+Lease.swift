import _EtcdTransport
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
        let grant = EtcdLeaseGrant(try await call(EtcdserverPB.LeaseService.LeaseGrant.self, request))
        leaseDeadlines.record(grant.id, ttl: grant.ttl)
        return grant
    }

    /// Revokes a lease: it ends at once and the keys attached to it are deleted.
    ///
    /// - Returns: the response header.
    /// - Throws: `EtcdError` (`.leaseNotFound`); `CancellationError`.
    @discardableResult
    public func revokeLease(_ id: EtcdLeaseID) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.LeaseRevokeRequest()
        request.id = id.rawValue
        let header = EtcdResponseHeader(try await call(EtcdserverPB.LeaseService.LeaseRevoke.self, request).header)
        leaseDeadlines.forget(id)
        return header
    }
}

extension EtcdClient {
    /// Keeps a lease alive while `body` runs, and stops renewing it (without revoking it) when `body` ends.
    ///
    /// All leases of a client are renewed on one HTTP/2 stream, each about every third of its TTL. The
    /// stream is re-opened after a connection fault, and renewal goes on while the lease is alive on the
    /// server. When the lease is lost, ``EtcdLeaseKeepAlive/failure`` says why and
    /// ``EtcdLeaseKeepAlive/heartbeats`` throws it; `body` itself is not interrupted.
    ///
    /// - Parameters:
    ///   - lease: the lease.
    ///   - body: the work to do while the lease is kept alive.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func keepAlive<Result>(
        _ lease: EtcdLeaseID,
        _ body: (EtcdLeaseKeepAlive) async throws -> Result
    ) async throws -> Result {
        let (registration, heartbeats) = leaseKeeper.register(lease)
        defer { leaseKeeper.unregister(registration) }
        let keepAlive = EtcdLeaseKeepAlive(
            lease: lease,
            registration: registration,
            hub: leaseKeeper,
            heartbeats: EtcdLeaseHeartbeats(base: heartbeats)
        )
        return try await body(keepAlive)
    }

    /// Renews a lease once.
    ///
    /// - Returns: the TTL after the renewal.
    /// - Throws: `EtcdError` (`.leaseNotFound` when the lease is gone); `CancellationError`.
    public func renewLease(_ lease: EtcdLeaseID) async throws -> Duration {
        var request = EtcdserverPB.LeaseKeepAliveRequest()
        request.id = lease.rawValue
        let bytes = request.serializedBytes()
        // A renewal changes nothing but the lease's deadline: it is retried like a read.
        return try await withRetries(
            path: EtcdserverPB.LeaseService.LeaseKeepAlive.path,
            kind: .idempotent,
            options: configuration.defaultCallOptions
        ) { connection, head in
            let stream = connection.makeStream(head)
            defer { stream.cancel() }
            try stream.send(bytes)
            for try await message in stream.responses {
                let response: EtcdserverPB.LeaseKeepAliveResponse
                do {
                    response = try EtcdserverPB.LeaseKeepAliveResponse(serializedBytes: message)
                } catch let error as ProtobufDecodingError {
                    throw EtcdError(decoding: error, method: EtcdserverPB.LeaseService.LeaseKeepAlive.path)
                }
                guard response.ttl > 0 else {
                    throw FinalError(error: EtcdError(.leaseNotFound, message: "lease \(lease) does not exist"))
                }
                leaseDeadlines.record(lease, ttl: .seconds(response.ttl))
                return .accepted(.seconds(response.ttl))
            }
            try Task.checkCancellation()
            throw GRPCStatus(code: .unavailable, message: "the keep-alive stream ended without an answer")
        }
    }

    /// What the server knows of a lease.
    ///
    /// - Parameters:
    ///   - lease: the lease.
    ///   - includeKeys: whether to list the keys attached to it. Defaults to `false`.
    /// - Throws: `EtcdError`; `CancellationError`.
    public func leaseTimeToLive(_ lease: EtcdLeaseID, includeKeys: Bool = false) async throws -> EtcdLeaseTimeToLive {
        var request = EtcdserverPB.LeaseTimeToLiveRequest()
        request.id = lease.rawValue
        request.keys = includeKeys
        let answer = EtcdLeaseTimeToLive(try await call(EtcdserverPB.LeaseService.LeaseTimeToLive.self, request))
        if let remaining = answer.remainingTTL { leaseDeadlines.record(lease, ttl: remaining) }
        return answer
    }

    /// Every lease the cluster has.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    public func leases() async throws -> [EtcdLeaseID] {
        let response = try await call(EtcdserverPB.LeaseService.LeaseLeases.self, EtcdserverPB.LeaseLeasesRequest())
        return response.leases.map { EtcdLeaseID(rawValue: $0.id) }
    }
}
