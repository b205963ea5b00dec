import _EtcdWire

/// A write of one key; used by `EtcdClient.put(_:options:)` and inside transactions.
public struct EtcdPutRequest: Hashable, Sendable {
    /// The value to store.
    public enum Value: Hashable, Sendable {
        /// Store these bytes.
        case set([UInt8])
        /// Keep the key's current value (the key must exist): change only its lease.
        case keepCurrent
    }

    /// The lease to attach.
    public enum Lease: Hashable, Sendable {
        /// No lease: the key lives until deleted.
        case none
        /// Attach this lease: the key is deleted when the lease expires.
        case id(EtcdLeaseID)
        /// Keep the key's current lease (the key must exist).
        case keepCurrent
    }

    /// The key to write.
    public var key: EtcdKey
    /// The value.
    public var value: Value
    /// The lease.
    public var lease: Lease
    /// Whether the response carries the key-value as it was before. Defaults to `false`.
    public var includePrevious: Bool

    /// Creates a write request.
    public init(_ key: EtcdKey, value: Value, lease: Lease = .none, includePrevious: Bool = false) {
        self.key = key
        self.value = value
        self.lease = lease
        self.includePrevious = includePrevious
    }

    /// Creates a write of `value` with an optional lease.
    public init(
        _ key: EtcdKey,
        value: some EtcdValueRepresentable,
        lease: EtcdLeaseID? = nil,
        includePrevious: Bool = false
    ) {
        self.init(
            key,
            value: .set(value.etcdValueBytes),
            lease: lease.map(Lease.id) ?? .none,
            includePrevious: includePrevious
        )
    }

    var message: EtcdserverPB.PutRequest {
        var request = EtcdserverPB.PutRequest()
        request.key = key.bytes
        switch value {
        case .set(let bytes): request.value = bytes
        case .keepCurrent: request.ignoreValue = true
        }
        switch lease {
        case .none: break
        case .id(let id): request.lease = id.rawValue
        case .keepCurrent: request.ignoreLease = true
        }
        request.prevKv = includePrevious
        return request
    }
}

/// The result of a write.
public struct EtcdPutResponse: Hashable, Sendable {
    /// The response header; its revision is the write's.
    public let header: EtcdResponseHeader
    /// The key-value before the write, when asked for and the key existed.
    public let previous: EtcdKeyValue?

    init(_ response: EtcdserverPB.PutResponse) {
        header = EtcdResponseHeader(response.header)
        previous = response.prevKv.map(EtcdKeyValue.init)
    }
}
