import EtcdClientCore

extension EtcdClient {
    /// Runs `body` with a session: a lease kept alive while `body` runs, revoked when it ends.
    ///
    /// If the lease is lost while `body` runs (it expired or was revoked elsewhere), `body` is cancelled and
    /// `EtcdError.Code.sessionExpired` is thrown once it has returned: nothing runs on after the locks and
    /// leadership held through the session are gone.
    ///
    /// - Parameters:
    ///   - ttl: the lease's TTL; defaults to 60 seconds, as the Go recipes.
    ///   - lease: an existing lease to adopt instead of granting one; `nil` by default.
    ///   - body: the work to do with the session.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError` (`.sessionExpired`, ...).
    public func withSession<Result: Sendable>(
        ttl: Duration = .seconds(60),
        lease: EtcdLeaseID? = nil,
        _ body: @escaping @Sendable (EtcdSession) async throws -> Result
    ) async throws -> Result {
        let session = try await EtcdSession.start(client: self, ttl: ttl, lease: lease)
        return try await ScopedCleanup.run {
            try await SessionGuard.run(while: session) { try await body(session) }
        } thenCleanUp: {
            try await session.close()
        }
    }
}
