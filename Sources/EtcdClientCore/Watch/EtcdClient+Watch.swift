extension EtcdClient {
    /// Watches keys: runs `body` with the stream of changes, and cancels the watch on the server when `body`
    /// returns, throws or is cancelled.
    ///
    /// The watch is created on the server before `body` runs, so a change made inside `body` is reported.
    /// `body` runs on the caller's actor (`isolation`), so it may use the actor's state.
    /// All watches of a client share one HTTP/2 stream. After a connection fault the watch resumes after the
    /// last revision it delivered: no change is lost or repeated, and order is kept.
    ///
    /// - Parameters:
    ///   - request: the keys, start revision, previous values, filters, progress notifications and buffer size.
    ///   - isolation: the caller's actor; leave the default.
    ///   - body: reads the responses.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; `EtcdError` if the watch cannot be created (`.permissionDenied`,
    ///   `.invalidArgument` for a range whose end is before its start or a negative start revision, `.clientClosed`
    ///   once the client is closed, ...); `CancellationError` when the task is cancelled while the watch is being
    ///   created.
    public func watch<Result>(
        _ request: EtcdWatchRequest,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdWatchResponses) async throws -> Result
    ) async throws -> Result {
        try RequestValidation.check(request.createRequest(id: 0, revision: request.startRevision ?? 0))
        let (id, createdRevision, responses) = try await watchHub.register(namespace?.prefixed(request) ?? request)
        defer { watchHub.unregister(id) }
        return try await body(
            EtcdWatchResponses(
                responses: responses,
                hub: watchHub,
                createdRevision: createdRevision,
                namespace: namespace
            )
        )
    }

    /// Watches a key, a prefix, a range, every key from one on, or every key.
    ///
    /// - Parameters:
    ///   - range: the keys.
    ///   - startRevision: the first revision to report; `nil` (the default) reports changes after now.
    ///   - includePrevious: whether events carry the value before the change. Defaults to `false`.
    ///   - filter: events to leave out (`.noPut`, `.noDelete`). Defaults to none.
    ///   - progressNotifications: whether the server reports progress when nothing changes. Defaults to `false`.
    ///   - isolation: the caller's actor; leave the default.
    ///   - body: reads the responses; leaving it cancels the watch.
    /// - Returns: what `body` returns.
    /// - Throws: see ``watch(_:isolation:_:)``.
    public func watch<Result>(
        _ range: EtcdKeyRange,
        startRevision: Int64? = nil,
        includePrevious: Bool = false,
        filter: EtcdWatchFilter = [],
        progressNotifications: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdWatchResponses) async throws -> Result
    ) async throws -> Result {
        try await watch(
            EtcdWatchRequest(
                range,
                startRevision: startRevision,
                includePrevious: includePrevious,
                filter: filter,
                progressNotifications: progressNotifications
            ),
            isolation: isolation,
            body
        )
    }

    /// Watches one key. See ``watch(_:startRevision:includePrevious:filter:progressNotifications:isolation:_:)``.
    public func watch<Result>(
        _ key: EtcdKey,
        startRevision: Int64? = nil,
        includePrevious: Bool = false,
        filter: EtcdWatchFilter = [],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdWatchResponses) async throws -> Result
    ) async throws -> Result {
        try await watch(
            EtcdWatchRequest(.key(key), startRevision: startRevision, includePrevious: includePrevious, filter: filter),
            isolation: isolation,
            body
        )
    }
}
