import _EtcdWire

/// What a watch covers and how: the keys, where to start, and what to include.
public struct EtcdWatchRequest: Hashable, Sendable {
    /// The keys to watch.
    public var range: EtcdKeyRange
    /// The first revision to report; `nil` (the default) starts after the current revision.
    public var startRevision: Int64?
    /// Whether events carry the key-value before the change. Defaults to `false`.
    public var includePrevious: Bool
    /// Which events to leave out. Defaults to none.
    public var filter: EtcdWatchFilter
    /// Whether the server sends progress notifications when nothing changes for a while. Defaults to `false`.
    public var progressNotifications: Bool
    /// How many responses may wait for the consumer before the watch ends with
    /// ``EtcdError/Code/watchConsumerTooSlow``. Defaults to 4,096.
    public var bufferSize: Int

    /// Creates a watch request.
    public init(
        _ range: EtcdKeyRange,
        startRevision: Int64? = nil,
        includePrevious: Bool = false,
        filter: EtcdWatchFilter = [],
        progressNotifications: Bool = false,
        bufferSize: Int = 4_096
    ) {
        self.range = range
        self.startRevision = startRevision
        self.includePrevious = includePrevious
        self.filter = filter
        self.progressNotifications = progressNotifications
        self.bufferSize = bufferSize
    }

    /// The create request for watcher `id`, starting at `revision` (0 = after the current revision).
    func createMessage(id: Int64, revision: Int64) -> EtcdserverPB.WatchRequest {
        var request = EtcdserverPB.WatchRequest()
        request.requestUnion = .createRequest(createRequest(id: id, revision: revision))
        return request
    }

    /// What ``createMessage(id:revision:)`` carries.
    func createRequest(id: Int64, revision: Int64) -> EtcdserverPB.WatchCreateRequest {
        var create = EtcdserverPB.WatchCreateRequest()
        create.key = range.start
        create.rangeEnd = range.end
        create.startRevision = revision
        create.progressNotify = progressNotifications
        if filter.contains(.noPut) { create.filters.append(.noput) }
        if filter.contains(.noDelete) { create.filters.append(.nodelete) }
        create.prevKv = includePrevious
        create.watchId = id
        create.fragment = true
        return create
    }
}
