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

extension EtcdClient {
    /// The alarms raised in the cluster.
    ///
    /// - Parameter options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func alarms(options: CallOptions? = nil) async throws -> [EtcdAlarm] {
        var request = EtcdserverPB.AlarmRequest()
        request.action = .get
        // Listing alarms changes nothing (Alarm is a write only when it activates or deactivates one).
        let response = try await call(
            EtcdserverPB.MaintenanceService.Alarm.self,
            request,
            options: options,
            retry: .idempotent
        )
        return response.alarms.map(EtcdAlarm.init)
    }

    /// Clears an alarm (after the cause is fixed, for example by compaction and defragmentation).
    ///
    /// - Parameter options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: the alarms that were cleared.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func disarm(_ alarm: EtcdAlarm, options: CallOptions? = nil) async throws -> [EtcdAlarm] {
        var request = EtcdserverPB.AlarmRequest()
        request.action = .deactivate
        request.memberID = alarm.memberID
        request.alarm = alarm.type
        return try await call(EtcdserverPB.MaintenanceService.Alarm.self, request, options: options).alarms.map(
            EtcdAlarm.init
        )
    }

    /// Defragments the backend database of the member this client is connected to, returning free space
    /// to the file system. The member answers nothing else while it runs.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func defragment(options: CallOptions? = nil) async throws -> EtcdResponseHeader {
        let request = EtcdserverPB.DefragmentRequest()
        return EtcdResponseHeader(
            try await call(EtcdserverPB.MaintenanceService.Defragment.self, request, options: options).header
        )
    }

    /// A hash of the key-value store up to `revision` (`nil` for the latest), to compare members.
    ///
    /// - Parameter options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: the hash and the compact revision it starts from.
    /// - Throws: `EtcdError` (`.compacted`, `.futureRevision`); `CancellationError`.
    public func hashKV(
        revision: Int64? = nil,
        options: CallOptions? = nil
    ) async throws -> (hash: UInt32, compactRevision: Int64, header: EtcdResponseHeader) {
        var request = EtcdserverPB.HashKVRequest()
        request.revision = revision ?? 0
        let response = try await call(EtcdserverPB.MaintenanceService.HashKV.self, request, options: options)
        return (response.hash, response.compactRevision, EtcdResponseHeader(response.header))
    }

    /// Hands leadership to another member. Only the current leader accepts this.
    ///
    /// - Parameter options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError` (`.notLeader`, `.badLeaderTransferee`); `CancellationError`.
    @discardableResult
    public func moveLeader(to memberID: UInt64, options: CallOptions? = nil) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.MoveLeaderRequest()
        request.targetID = memberID
        return EtcdResponseHeader(
            try await call(EtcdserverPB.MaintenanceService.MoveLeader.self, request, options: options).header
        )
    }
}

extension EtcdClient {
    /// Streams a snapshot of the backend database of the member this client is connected to.
    ///
    /// `consume` receives the database file's bytes in order, chunk by chunk; write them to a file to
    /// get a snapshot that `etcdctl snapshot restore` accepts.
    ///
    /// The server sends only as fast as `consume` returns: a slow consumer holds back the member, not memory.
    ///
    /// - Parameters:
    ///   - options: the metadata and leader requirement of the call; its timeout bounds the opening of the
    ///     stream, not the transfer. `nil` (the default) uses ``Configuration/defaultCallOptions``.
    ///   - consume: called with each chunk. Throwing from it stops the snapshot.
    /// - Returns: the total number of bytes.
    /// - Throws: `EtcdError`, what `consume` throws, or `CancellationError`; the stream is reset in each case.
    @discardableResult
    public func snapshot(options: CallOptions? = nil, _ consume: ([UInt8]) async throws -> Void) async throws -> Int {
        var total = 0
        try await serverStreamingCall(
            EtcdserverPB.MaintenanceService.Snapshot.self,
            EtcdserverPB.SnapshotRequest(),
            options: options
        ) { response in
            total += response.blob.count
            try await consume(response.blob)
        }
        return total
    }
}
