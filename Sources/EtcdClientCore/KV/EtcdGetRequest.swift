import _EtcdWire

/// A range read with all of etcd's options; used by `EtcdClient.get(_:options:)` and inside transactions.
public struct EtcdGetRequest: Hashable, Sendable {
    /// What the response holds besides the header.
    public enum Output: Hashable, Sendable {
        /// Keys and values.
        case keysAndValues
        /// Keys and metadata, without values.
        case keysOnly
        /// Only the number of matching keys.
        case countOnly
    }

    /// The keys to read.
    public var range: EtcdKeyRange
    /// The revision to read at; `nil` (the default) reads the latest. A negative revision fails with
    /// ``EtcdError/Code/invalidArgument`` before anything is sent.
    public var revision: Int64?
    /// The most keys to return; `nil` (the default) returns all. A negative limit fails with
    /// ``EtcdError/Code/invalidArgument`` before anything is sent.
    public var limit: Int?
    /// How to sort; `nil` (the default) is ascending by key.
    public var sort: EtcdSort?
    /// Linearizable (the default) or serializable.
    public var consistency: EtcdConsistency
    /// What to return. Defaults to ``Output/keysAndValues``.
    public var output: Output
    /// Keep only keys whose modification revision is within these bounds. Defaults to none.
    public var modRevision: EtcdRevisionBounds
    /// Keep only keys whose creation revision is within these bounds. Defaults to none.
    public var createRevision: EtcdRevisionBounds

    /// Creates a read request.
    public init(
        _ range: EtcdKeyRange,
        revision: Int64? = nil,
        limit: Int? = nil,
        sort: EtcdSort? = nil,
        consistency: EtcdConsistency = .linearizable,
        output: Output = .keysAndValues,
        modRevision: EtcdRevisionBounds = EtcdRevisionBounds(),
        createRevision: EtcdRevisionBounds = EtcdRevisionBounds()
    ) {
        self.range = range
        self.revision = revision
        self.limit = limit
        self.sort = sort
        self.consistency = consistency
        self.output = output
        self.modRevision = modRevision
        self.createRevision = createRevision
    }

    var message: EtcdserverPB.RangeRequest {
        var request = EtcdserverPB.RangeRequest()
        request.key = range.start
        request.rangeEnd = range.end
        request.revision = revision ?? 0
        request.limit = Int64(limit ?? 0)
        if let sort {
            request.sortOrder = sort.order == .ascending ? .ascend : .descend
            switch sort.target {
            case .key: request.sortTarget = .key
            case .version: request.sortTarget = .version
            case .createRevision: request.sortTarget = .create
            case .modRevision: request.sortTarget = .mod
            case .value: request.sortTarget = .value
            }
        }
        request.serializable = consistency == .serializable
        request.keysOnly = output == .keysOnly
        request.countOnly = output == .countOnly
        request.minModRevision = modRevision.minimum ?? 0
        request.maxModRevision = modRevision.maximum ?? 0
        request.minCreateRevision = createRevision.minimum ?? 0
        request.maxCreateRevision = createRevision.maximum ?? 0
        return request
    }
}

/// The result of a range read.
public struct EtcdGetResponse: Hashable, Sendable {
    /// The response header; its revision is the one the read saw.
    public let header: EtcdResponseHeader
    /// The matching keys, at most the limit (empty for a count-only read).
    public let keyValues: [EtcdKeyValue]
    /// Whether more keys matched than the limit let through.
    public let hasMore: Bool
    /// How many keys matched in all.
    public let count: Int

    /// A read result known without asking (what a commit of this process just wrote).
    package init(header: EtcdResponseHeader, keyValues: [EtcdKeyValue]) {
        self.header = header
        self.keyValues = keyValues
        hasMore = false
        count = keyValues.count
    }

    init(_ response: EtcdserverPB.RangeResponse) {
        header = EtcdResponseHeader(response.header)
        keyValues = response.kvs.map(EtcdKeyValue.init)
        hasMore = response.more
        count = Int(response.count)
    }
}
