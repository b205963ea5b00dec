import _EtcdWire

/// Maintenance calls. Each takes an optional `endpoint`: with one, the call goes to that member only (made on a
/// connection kept for it, with no failover), as the Go client's `Maintenance` calls do; without, it goes to the
/// member the client is connected to.
extension EtcdClient {
    /// A member's status.
    ///
    /// - Parameters:
    ///   - endpoint: the member to ask; `nil` (the default) for the one the client is connected to.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func status(
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil
    ) async throws
        -> EtcdStatusResponse
    {
        EtcdStatusResponse(
            try await call(
                EtcdserverPB.MaintenanceService.Status.self,
                EtcdserverPB.StatusRequest(),
                options: options,
                at: endpoint
            )
        )
    }

    /// The alarms raised in the cluster.
    ///
    /// - Parameters:
    ///   - endpoint: the member to ask; `nil` (the default) for the one the client is connected to.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func alarms(at endpoint: EtcdEndpoint? = nil, options: CallOptions? = nil) async throws -> [EtcdAlarm] {
        try await alarmsWithHeader(at: endpoint, options: options).alarms
    }

    /// ``alarms(at:options:)`` with the response header (for tools that print it).
    package func alarmsWithHeader(
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil
    ) async throws -> (
        header: EtcdResponseHeader, alarms: [EtcdAlarm]
    ) {
        var request = EtcdserverPB.AlarmRequest()
        request.action = .get
        // Listing alarms changes nothing (Alarm is a write only when it activates or deactivates one).
        let response = try await call(
            EtcdserverPB.MaintenanceService.Alarm.self,
            request,
            options: options,
            retry: .idempotent,
            at: endpoint
        )
        return (EtcdResponseHeader(response.header), response.alarms.map(EtcdAlarm.init))
    }

    /// Raises an alarm for a member, as the member itself does when its database reaches its quota: with
    /// ``EtcdAlarm/Kind/noSpace`` raised, the cluster refuses writes with ``EtcdError/Code/noSpace`` until the
    /// alarm is cleared with ``disarm(_:options:)``. For tests and tools.
    ///
    /// - Parameters:
    ///   - kind: the alarm.
    ///   - memberID: the member it is raised for.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: the alarms raised by this call.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func raiseAlarm(
        _ kind: EtcdAlarm.Kind,
        forMember memberID: UInt64,
        options: CallOptions? = nil
    )
        async throws -> [EtcdAlarm]
    {
        try await changeAlarm(.activate, EtcdAlarm(memberID: memberID, kind: kind), options: options)
    }

    /// Clears an alarm (after the cause is fixed, for example by compaction and defragmentation).
    ///
    /// - Parameters:
    ///   - alarm: the alarm, as ``alarms(at:options:)`` lists it.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: the alarms that were cleared.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func disarm(_ alarm: EtcdAlarm, options: CallOptions? = nil) async throws -> [EtcdAlarm] {
        try await changeAlarm(.deactivate, alarm, options: options)
    }

    private func changeAlarm(
        _ action: EtcdserverPB.AlarmRequest.AlarmAction,
        _ alarm: EtcdAlarm,
        options: CallOptions?
    ) async throws -> [EtcdAlarm] {
        var request = EtcdserverPB.AlarmRequest()
        request.action = action
        request.memberID = alarm.memberID
        request.alarm = alarm.type
        return try await call(EtcdserverPB.MaintenanceService.Alarm.self, request, options: options).alarms.map(
            EtcdAlarm.init
        )
    }

    /// Defragments a member's backend database, returning free space to the file system. The member answers
    /// nothing else while it runs.
    ///
    /// - Parameters:
    ///   - endpoint: the member to defragment; `nil` (the default) for the one the client is connected to.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func defragment(
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil
    ) async throws
        -> EtcdResponseHeader
    {
        let request = EtcdserverPB.DefragmentRequest()
        return EtcdResponseHeader(
            try await call(EtcdserverPB.MaintenanceService.Defragment.self, request, options: options, at: endpoint)
                .header
        )
    }

    /// A hash of a member's whole backend database (Go's `HashKV` is the one to compare members by, since this
    /// one also covers data that may differ between members, such as their own metadata).
    ///
    /// - Parameters:
    ///   - endpoint: the member to ask; `nil` (the default) for the one the client is connected to.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError`.
    public func hash(
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil
    ) async throws
        -> (hash: UInt32, header: EtcdResponseHeader)
    {
        let response = try await call(
            EtcdserverPB.MaintenanceService.Hash.self,
            EtcdserverPB.HashRequest(),
            options: options,
            at: endpoint
        )
        return (response.hash, EtcdResponseHeader(response.header))
    }

    /// A hash of the key-value store up to `revision` (`nil` for the latest), to compare members: members that
    /// applied the same history answer the same hash for the same revision.
    ///
    /// - Parameters:
    ///   - revision: the revision to hash up to; `nil` (the default) for the latest.
    ///   - endpoint: the member to ask; `nil` (the default) for the one the client is connected to.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Returns: the hash and the compact revision it starts from.
    /// - Throws: `EtcdError` (`.compacted`, `.futureRevision`); `CancellationError`.
    public func hashKV(
        revision: Int64? = nil,
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil
    ) async throws -> (hash: UInt32, compactRevision: Int64, header: EtcdResponseHeader) {
        var request = EtcdserverPB.HashKVRequest()
        request.revision = revision ?? 0
        let response = try await call(
            EtcdserverPB.MaintenanceService.HashKV.self,
            request,
            options: options,
            at: endpoint
        )
        return (response.hash, response.compactRevision, EtcdResponseHeader(response.header))
    }

    /// Hands leadership to another member. The request goes to the current leader, whichever member the client
    /// is connected to (only the leader accepts it): the leader is found from a member's status and reached at the
    /// first of the client's endpoints that reports itself as the leader (as etcdctl does), or else at the first
    /// client URL it advertises.
    ///
    /// - Parameters:
    ///   - memberID: the member to become leader; it must be a started voting member.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError` (`.noLeader`, `.badLeaderTransferee`, `.notLeader` when leadership moved meanwhile);
    ///   `CancellationError`.
    @discardableResult
    public func moveLeader(to memberID: UInt64, options: CallOptions? = nil) async throws -> EtcdResponseHeader {
        let leader = try await status(options: options).leader
        guard leader != 0 else { throw EtcdError(.noLeader, message: "the cluster has no leader to move") }
        var leaderEndpoint: EtcdEndpoint?
        for endpoint in endpoints where leaderEndpoint == nil {
            if (try? await status(at: endpoint, options: options))?.header.memberID == leader {
                leaderEndpoint = endpoint
            }
            try Task.checkCancellation()
        }
        if leaderEndpoint == nil {
            leaderEndpoint = try await members().members.first { $0.id == leader }?.clientURLs.lazy.compactMap(
                EtcdEndpoint.init
            ).first
        }
        var request = EtcdserverPB.MoveLeaderRequest()
        request.targetID = memberID
        return EtcdResponseHeader(
            try await call(
                EtcdserverPB.MaintenanceService.MoveLeader.self,
                request,
                options: options,
                at: leaderEndpoint
            ).header
        )
    }
}
