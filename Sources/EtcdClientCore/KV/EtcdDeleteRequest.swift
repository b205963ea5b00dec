import _EtcdWire

/// A deletion of a key or range; used by `EtcdClient.delete` and inside transactions.
public struct EtcdDeleteRequest: Hashable, Sendable {
    /// The keys to delete.
    public var range: EtcdKeyRange
    /// Whether the response carries the deleted key-values. Defaults to `false`.
    public var includePrevious: Bool

    /// Creates a deletion request.
    public init(_ range: EtcdKeyRange, includePrevious: Bool = false) {
        self.range = range
        self.includePrevious = includePrevious
    }

    var message: EtcdserverPB.DeleteRangeRequest {
        var request = EtcdserverPB.DeleteRangeRequest()
        request.key = range.start
        request.rangeEnd = range.end
        request.prevKv = includePrevious
        return request
    }
}

/// The result of a deletion.
public struct EtcdDeleteResponse: Hashable, Sendable {
    /// The response header; its revision is the deletion's.
    public let header: EtcdResponseHeader
    /// How many keys were deleted.
    public let deleted: Int
    /// The deleted key-values, when asked for.
    public let previous: [EtcdKeyValue]

    init(_ response: EtcdserverPB.DeleteRangeResponse) {
        header = EtcdResponseHeader(response.header)
        deleted = Int(response.deleted)
        previous = response.prevKvs.map(EtcdKeyValue.init)
    }
}
