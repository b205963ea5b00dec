import _EtcdWire

/// One operation of a transaction branch: a read, a write, a deletion, or a nested transaction.
public struct EtcdOperation: Hashable, Sendable {
    indirect enum Kind: Hashable, Sendable {
        case get(EtcdGetRequest)
        case put(EtcdPutRequest)
        case delete(EtcdDeleteRequest)
        case txn(EtcdTxnRequest)
    }

    let kind: Kind

    /// Reads one key.
    public static func get(_ key: EtcdKey) -> EtcdOperation {
        EtcdOperation(kind: .get(EtcdGetRequest(.key(key))))
    }

    /// Reads a range with all of etcd's options (see ``EtcdGetRequest``).
    public static func get(_ request: EtcdGetRequest) -> EtcdOperation {
        EtcdOperation(kind: .get(request))
    }

    /// Writes `value` to `key`, with an optional lease.
    public static func put(
        _ key: EtcdKey,
        value: some EtcdValueRepresentable,
        lease: EtcdLeaseID? = nil,
        includePrevious: Bool = false
    ) -> EtcdOperation {
        EtcdOperation(kind: .put(EtcdPutRequest(key, value: value, lease: lease, includePrevious: includePrevious)))
    }

    /// Writes with all of etcd's options (see ``EtcdPutRequest``).
    public static func put(_ request: EtcdPutRequest) -> EtcdOperation {
        EtcdOperation(kind: .put(request))
    }

    /// Deletes one key.
    public static func delete(_ key: EtcdKey, includePrevious: Bool = false) -> EtcdOperation {
        EtcdOperation(kind: .delete(EtcdDeleteRequest(.key(key), includePrevious: includePrevious)))
    }

    /// Deletes a range.
    public static func delete(_ range: EtcdKeyRange, includePrevious: Bool = false) -> EtcdOperation {
        EtcdOperation(kind: .delete(EtcdDeleteRequest(range, includePrevious: includePrevious)))
    }

    /// Runs a nested transaction.
    public static func txn(
        if conditions: [EtcdCompare],
        then success: [EtcdOperation],
        else failure: [EtcdOperation] = []
    ) -> EtcdOperation {
        EtcdOperation(kind: .txn(EtcdTxnRequest(if: conditions, then: success, else: failure)))
    }

    var message: EtcdserverPB.RequestOp {
        var operation = EtcdserverPB.RequestOp()
        switch kind {
        case .get(let request): operation.request = .requestRange(request.message)
        case .put(let request): operation.request = .requestPut(request.message)
        case .delete(let request): operation.request = .requestDeleteRange(request.message)
        case .txn(let request): operation.request = .requestTxn(request.message)
        }
        return operation
    }
}
