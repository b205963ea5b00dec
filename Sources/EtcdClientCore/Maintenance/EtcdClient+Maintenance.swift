import _EtcdWire

extension EtcdClient {
    /// The status of the member this client is connected to.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func status(options: CallOptions? = nil) async throws -> EtcdStatusResponse {
        EtcdStatusResponse(
            try await call(EtcdserverPB.MaintenanceService.Status.self, EtcdserverPB.StatusRequest(), options: options)
        )
    }
}
