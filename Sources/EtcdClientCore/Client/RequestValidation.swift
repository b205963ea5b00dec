import _EtcdWire

/// The arguments the client refuses before sending: those etcd would accept but read as something other than what
/// the caller wrote. A range whose end is before its start reads as an empty range; a negative limit or revision
/// reads as "none"; a lease time to live of zero or less becomes the server's minimum. Each fails with
/// ``EtcdError/Code/invalidArgument`` and nothing is sent.
///
/// Arguments that etcd itself refuses (an empty key, too many operations in a transaction, a duplicate key, an
/// unknown lease) are left to etcd, which answers with the matching typed error.
enum RequestValidation {
    /// Checks a request of any method; requests without such arguments pass.
    static func check(_ request: some ProtobufMessage) throws(EtcdError) {
        switch request {
        case let range as EtcdserverPB.RangeRequest: try check(range)
        case let delete as EtcdserverPB.DeleteRangeRequest: try checkRange(start: delete.key, end: delete.rangeEnd)
        case let txn as EtcdserverPB.TxnRequest: try check(txn)
        case let grant as EtcdserverPB.LeaseGrantRequest:
            guard grant.ttl > 0 else { throw invalid("a lease's time to live must be at least one second") }
        default: break
        }
    }

    /// Checks the range of a watch.
    static func check(_ watch: EtcdserverPB.WatchCreateRequest) throws(EtcdError) {
        try checkRange(start: watch.key, end: watch.rangeEnd)
        guard watch.startRevision >= 0 else { throw invalid("a watch's start revision cannot be negative") }
    }

    private static func check(_ range: EtcdserverPB.RangeRequest) throws(EtcdError) {
        try checkRange(start: range.key, end: range.rangeEnd)
        guard range.limit >= 0 else { throw invalid("a limit cannot be negative") }
        guard range.revision >= 0 else { throw invalid("a revision cannot be negative") }
    }

    private static func check(_ txn: EtcdserverPB.TxnRequest) throws(EtcdError) {
        for compare in txn.compare { try checkRange(start: compare.key, end: compare.rangeEnd) }
        for operation in txn.success + txn.failure {
            switch operation.request {
            case .requestRange(let range): try check(range)
            case .requestDeleteRange(let delete): try checkRange(start: delete.key, end: delete.rangeEnd)
            case .requestTxn(let nested): try check(nested)
            case .requestPut, nil: break
            }
        }
    }

    /// A range end before its start (other than `\0`, "to the end") selects nothing: the caller swapped them.
    private static func checkRange(start: [UInt8], end: [UInt8]) throws(EtcdError) {
        guard end.isEmpty || end == [0] || !end.lexicographicallyPrecedes(start) else {
            throw invalid("the range's end is before its start")
        }
    }

    private static func invalid(_ message: String) -> EtcdError {
        EtcdError(.invalidArgument, message: message, requestNotSent: true)
    }
}
