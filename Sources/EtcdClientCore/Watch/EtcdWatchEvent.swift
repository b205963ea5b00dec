import _EtcdWire

/// One change to one key, as a watch reports it.
public struct EtcdWatchEvent: Hashable, Sendable {
    /// What happened to the key.
    public enum Kind: Hashable, Sendable {
        /// The key was created or updated.
        case put
        /// The key was deleted (or its lease expired).
        case delete
    }

    /// What happened.
    public let kind: Kind
    /// The key-value after the change; for a deletion, the key with the deletion's revision as `modRevision`.
    public let keyValue: EtcdKeyValue
    /// The key-value before the change, when the watch asked for previous values and it was not compacted.
    public let previous: EtcdKeyValue?

    /// Creates an event.
    public init(kind: Kind, keyValue: EtcdKeyValue, previous: EtcdKeyValue?) {
        self.kind = kind
        self.keyValue = keyValue
        self.previous = previous
    }

    init(_ event: MvccPB.Event) {
        kind = event.type == .delete ? .delete : .put
        keyValue = EtcdKeyValue(event.kv ?? MvccPB.KeyValue())
        previous = event.prevKv.map(EtcdKeyValue.init)
    }

    /// The revision of the change.
    public var revision: Int64 { keyValue.modRevision }

    /// The event with its keys rewritten by `transform`.
    func mapKeys(_ transform: ([UInt8]) -> [UInt8]) -> EtcdWatchEvent {
        EtcdWatchEvent(kind: kind, keyValue: keyValue.mapKey(transform), previous: previous?.mapKey(transform))
    }
}

/// What one watch delivers at a time: the events of one or more revisions, or a progress notification.
public struct EtcdWatchResponse: Hashable, Sendable {
    /// The response header. For a progress notification, its revision says that every change up to it has
    /// been delivered.
    public let header: EtcdResponseHeader
    /// The events, in revision order; empty for a progress notification.
    public let events: [EtcdWatchEvent]

    /// Creates a response.
    public init(header: EtcdResponseHeader, events: [EtcdWatchEvent]) {
        self.header = header
        self.events = events
    }

    /// Whether this is a progress notification (no events).
    public var isProgressNotification: Bool { events.isEmpty }

    /// The response with the keys of its events rewritten by `transform`.
    func mapKeys(_ transform: ([UInt8]) -> [UInt8]) -> EtcdWatchResponse {
        EtcdWatchResponse(header: header, events: events.map { $0.mapKeys(transform) })
    }
}

/// Which events a watch leaves out, at the server.
public struct EtcdWatchFilter: OptionSet, Hashable, Sendable {
    /// The filter's bits.
    public let rawValue: Int

    /// Creates a filter from its bits.
    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// Leave out puts.
    public static let noPut = EtcdWatchFilter(rawValue: 1)
    /// Leave out deletions.
    public static let noDelete = EtcdWatchFilter(rawValue: 2)
}
