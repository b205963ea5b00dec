import _EtcdWire

/// One key with its value and metadata, as stored at some revision.
public struct EtcdKeyValue: Hashable, Sendable, CustomStringConvertible {
    /// The key.
    public let key: EtcdKey
    /// The value's bytes (empty when the request asked for keys only).
    public let value: [UInt8]
    /// The revision of the last creation of this key.
    public let createRevision: Int64
    /// The revision of the last modification of this key.
    public let modRevision: Int64
    /// How many times the key was modified since its creation; a deletion resets it to 0.
    public let version: Int64
    /// The lease the key is attached to, if any.
    public let lease: EtcdLeaseID?

    /// Creates a key-value.
    public init(
        key: EtcdKey,
        value: [UInt8],
        createRevision: Int64,
        modRevision: Int64,
        version: Int64,
        lease: EtcdLeaseID?
    ) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }

    init(_ kv: MvccPB.KeyValue) {
        self.init(
            key: EtcdKey(bytes: kv.key),
            value: kv.value,
            createRevision: kv.createRevision,
            modRevision: kv.modRevision,
            version: kv.version,
            lease: kv.lease == 0 ? nil : EtcdLeaseID(rawValue: kv.lease)
        )
    }

    /// The key-value with its key rewritten by `transform`.
    func mapKey(_ transform: ([UInt8]) -> [UInt8]) -> EtcdKeyValue {
        EtcdKeyValue(
            key: EtcdKey(bytes: transform(key.bytes)),
            value: value,
            createRevision: createRevision,
            modRevision: modRevision,
            version: version,
            lease: lease
        )
    }

    /// The value as text, or `nil` when it is not valid UTF-8.
    public var stringValue: String? {
        String(validating: value, as: UTF8.self)
    }

    /// The key and revisions; never the value, which may be secret.
    public var description: String {
        "EtcdKeyValue(key: \(key), createRevision: \(createRevision), modRevision: \(modRevision), version: \(version), valueBytes: \(value.count))"
    }
}
