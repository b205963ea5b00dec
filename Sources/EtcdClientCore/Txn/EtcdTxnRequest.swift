import _EtcdWire

/// A transaction: if every comparison holds, run the `then` operations, otherwise the `else` ones,
/// all at one revision.
public struct EtcdTxnRequest: Hashable, Sendable {
    /// The conditions, all of which must hold.
    public var conditions: [EtcdCompare]
    /// The operations run when every condition holds.
    public var success: [EtcdOperation]
    /// The operations run otherwise.
    public var failure: [EtcdOperation]

    /// Creates a transaction.
    public init(if conditions: [EtcdCompare], then success: [EtcdOperation], else failure: [EtcdOperation] = []) {
        self.conditions = conditions
        self.success = success
        self.failure = failure
    }

    /// Whether every operation, nested ones included, only reads.
    var isReadOnly: Bool {
        (success + failure).allSatisfy { operation in
            switch operation.kind {
            case .get: true
            case .put, .delete: false
            case .txn(let nested): nested.isReadOnly
            }
        }
    }

    /// Whether etcd answers the transaction from the local copy of whichever member gets it, as it does when
    /// every operation of both branches is a serializable read (nested transactions excluded).
    var isSerializable: Bool {
        (success + failure).allSatisfy { operation in
            if case .get(let read) = operation.kind { return read.consistency == .serializable }
            return false
        }
    }

    var message: EtcdserverPB.TxnRequest {
        var request = EtcdserverPB.TxnRequest()
        request.compare = conditions.map(\.message)
        request.success = success.map(\.message)
        request.failure = failure.map(\.message)
        return request
    }
}

/// The result of a transaction.
public struct EtcdTxnResponse: Hashable, Sendable {
    /// The response header.
    public let header: EtcdResponseHeader
    /// Whether every condition held, so that the `then` branch ran.
    public let succeeded: Bool
    /// The results of the branch that ran, in order.
    public let responses: [EtcdOperationResponse]

    init(_ response: EtcdserverPB.TxnResponse) throws(EtcdError) {
        header = EtcdResponseHeader(response.header)
        succeeded = response.succeeded
        var results: [EtcdOperationResponse] = []
        results.reserveCapacity(response.responses.count)
        for operation in response.responses {
            results.append(try EtcdOperationResponse(operation))
        }
        responses = results
    }
}

/// The result of one operation of a transaction.
public indirect enum EtcdOperationResponse: Hashable, Sendable {
    /// The result of a read.
    case get(EtcdGetResponse)
    /// The result of a write.
    case put(EtcdPutResponse)
    /// The result of a deletion.
    case delete(EtcdDeleteResponse)
    /// The result of a nested transaction.
    case txn(EtcdTxnResponse)

    init(_ response: EtcdserverPB.ResponseOp) throws(EtcdError) {
        switch response.response {
        case .responseRange(let range): self = .get(EtcdGetResponse(range))
        case .responsePut(let put): self = .put(EtcdPutResponse(put))
        case .responseDeleteRange(let delete): self = .delete(EtcdDeleteResponse(delete))
        case .responseTxn(let txn): self = .txn(try EtcdTxnResponse(txn))
        case nil: throw EtcdError(.malformedResponse, message: "a transaction result had no operation response")
        }
    }
}
