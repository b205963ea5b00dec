import _EtcdWire

extension EtcdClient {
    /// Checks one member as `etcdctl endpoint health` does: a linearizable read of the key `health`, sent to
    /// that member only, must be answered within the timeout (a member without a leader, or cut off from a
    /// quorum, cannot answer it).
    ///
    /// - Parameters:
    ///   - endpoint: the member to check; `nil` (the default) for the one the client is connected to.
    ///   - options: this call's options (its timeout bounds the check); `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Returns: the report; a member that fails the check is reported, not thrown.
    /// - Throws: `CancellationError` when the task is cancelled; ``EtcdError/Code/invalidArgument`` when no
    ///   endpoint is given and the client has none.
    public func health(
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil
    ) async throws
        -> EtcdEndpointHealth
    {
        guard let checked = endpoint ?? channel.currentEndpoint ?? endpoints.first else {
            throw EtcdError(
                .invalidArgument,
                message: "health: the client has no endpoint to check",
                requestNotSent: true
            )
        }
        var request = EtcdserverPB.RangeRequest()
        request.key = Array("health".utf8)
        let start = ContinuousClock.now
        let failure: EtcdError?
        do {
            _ = try await call(EtcdserverPB.KVService.Range.self, request, options: options, at: checked)
            failure = nil
        } catch let error as EtcdError {
            failure = error.code == .permissionDenied ? nil : error
        }
        return EtcdEndpointHealth(
            endpoint: checked,
            isHealthy: failure == nil,
            took: .now - start,
            error: failure
        )
    }
}
