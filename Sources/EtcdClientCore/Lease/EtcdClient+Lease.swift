import _EtcdTransport
import _EtcdWire

extension EtcdClient {
    /// Grants a lease: keys attached to it are deleted when it expires or is revoked.
    ///
    /// - Parameters:
    ///   - ttl: the time to live, in whole seconds (rounded up); the server may raise it to its minimum.
    ///   - id: the ID to use; `nil` (the default) lets the server choose.
    ///   - options: this call's timeout, metadata and leader requirement; `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Returns: the lease's ID and granted TTL.
    /// - Throws: `EtcdError` (`.invalidArgument` for a `ttl` of zero or less, sent nowhere; `.leaseExists`,
    ///   `.leaseTTLTooLarge`, ...); `CancellationError`.
    public func grantLease(
        ttl: Duration,
        id: EtcdLeaseID? = nil,
        options: CallOptions? = nil
    ) async throws -> EtcdLeaseGrant {
        var request = EtcdserverPB.LeaseGrantRequest()
        let (seconds, attoseconds) = ttl.components
        request.ttl = seconds + (attoseconds > 0 ? 1 : 0)
        request.id = id?.rawValue ?? 0
        let grant = EtcdLeaseGrant(try await call(EtcdserverPB.LeaseService.LeaseGrant.self, request, options: options))
        leaseDeadlines.record(grant.id, ttl: grant.ttl)
        return grant
    }

    /// Revokes a lease: it ends at once and the keys attached to it are deleted.
    ///
    /// - Parameters:
    ///   - id: the lease.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: the response header.
    /// - Throws: `EtcdError` (`.leaseNotFound`); `CancellationError`.
    @discardableResult
    public func revokeLease(_ id: EtcdLeaseID, options: CallOptions? = nil) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.LeaseRevokeRequest()
        request.id = id.rawValue
        let header = EtcdResponseHeader(
            try await call(EtcdserverPB.LeaseService.LeaseRevoke.self, request, options: options).header
        )
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
    /// Renewals go to a member that has a leader (one without cannot renew). With `requiresLeader`, keep-alive
    /// ends with ``EtcdError/Code/noLeader`` as soon as a member says it has none (the Go client's require-leader
    /// keep-alive); without it, keep-alive goes on until the lease's deadline, in case a leader is elected in time.
    ///
    /// - Parameters:
    ///   - lease: the lease.
    ///   - requiresLeader: whether to end keep-alive at the first member without a leader. Defaults to `false`.
    ///   - isolation: the caller's actor, on which `body` runs; leave the default.
    ///   - body: the work to do while the lease is kept alive.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; ``EtcdError/Code/clientClosed``, without running `body`, once the client is
    ///   closed.
    public func keepAlive<Result>(
        _ lease: EtcdLeaseID,
        requiresLeader: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdLeaseKeepAlive) async throws -> Result
    ) async throws -> Result {
        let (registration, heartbeats) = try leaseKeeper.register(lease, requiresLeader: requiresLeader)
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
    /// - Parameters:
    ///   - lease: the lease.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: etcd's answer: the lease, its TTL after the renewal and the response header.
    /// - Throws: `EtcdError` (`.leaseNotFound` when the lease is gone); `CancellationError`.
    @discardableResult
    public func renewLease(_ lease: EtcdLeaseID, options: CallOptions? = nil) async throws -> EtcdLeaseHeartbeat {
        var request = EtcdserverPB.LeaseKeepAliveRequest()
        request.id = lease.rawValue
        let bytes = request.serializedBytes()
        // A renewal changes nothing but the lease's deadline: it is retried like a read.
        return try await withRetries(
            path: EtcdserverPB.LeaseService.LeaseKeepAlive.path,
            kind: .idempotent,
            options: options ?? configuration.defaultCallOptions
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
                return .accepted(
                    EtcdLeaseHeartbeat(
                        lease: lease,
                        ttl: .seconds(response.ttl),
                        header: EtcdResponseHeader(response.header)
                    )
                )
            }
            try Task.checkCancellation()
            throw GRPCStatus(code: .unavailable, message: "the keep-alive stream ended without an answer")
        }
    }

    /// What the server knows of a lease.
    ///
    /// - Parameters:
    ///   - lease: the lease.
    ///   - includeKeys: whether to list the keys attached to it (on a namespaced view, those inside its prefix,
    ///     without it). Defaults to `false`.
    ///   - options: this call's timeout, metadata and leader requirement; `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError`.
    public func leaseTimeToLive(
        _ lease: EtcdLeaseID,
        includeKeys: Bool = false,
        options: CallOptions? = nil
    ) async throws -> EtcdLeaseTimeToLive {
        var request = EtcdserverPB.LeaseTimeToLiveRequest()
        request.id = lease.rawValue
        request.keys = includeKeys
        var response = try await call(EtcdserverPB.LeaseService.LeaseTimeToLive.self, request, options: options)
        if let namespace { response.keys = namespace.stripped(leaseKeys: response.keys) }
        let answer = EtcdLeaseTimeToLive(response)
        if let remaining = answer.remainingTTL { leaseDeadlines.record(lease, ttl: remaining) }
        return answer
    }

    /// Every lease the cluster has.
    ///
    /// - Parameter options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError`.
    public func leases(options: CallOptions? = nil) async throws -> [EtcdLeaseID] {
        try await leasesWithHeader(options: options).leases
    }

    /// ``leases(options:)`` with the response header (for tools that print it).
    package func leasesWithHeader(
        options: CallOptions? = nil
    ) async throws -> (
        header: EtcdResponseHeader, leases: [EtcdLeaseID]
    ) {
        let response = try await call(
            EtcdserverPB.LeaseService.LeaseLeases.self,
            EtcdserverPB.LeaseLeasesRequest(),
            options: options
        )
        return (EtcdResponseHeader(response.header), response.leases.map { EtcdLeaseID(rawValue: $0.id) })
    }
}
