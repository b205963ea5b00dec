import _EtcdWire

/// The key prefix of a namespaced view of a client (Go's `clientv3/namespace`): keys, ranges and names go out
/// with the prefix in front, and come back without it.
///
/// Range ends keep a range inside the prefix: "to the end of the key space" (`range_end` `\0`) becomes the end of
/// the prefix, so "every key" and "every key from k on" never reach keys outside it. This is the one place that
/// knows how keys are rewritten; the calls run every request and response through it.
struct KeyNamespace: Sendable, Hashable {
    /// The prefix, never empty.
    let prefix: [UInt8]

    // MARK: - Keys and ranges

    /// `key` inside the namespace. An empty key stays empty, so that etcd still refuses it with `emptyKey`.
    func prefixed(_ key: [UInt8]) -> [UInt8] {
        key.isEmpty ? key : prefix + key
    }

    /// The start and end of a range inside the namespace.
    func prefixed(start: [UInt8], end: [UInt8]) -> (start: [UInt8], end: [UInt8]) {
        let newStart = start.isEmpty ? start : prefix + start
        if end == [0] { return (newStart, EtcdKeyRange.prefixEnd(of: prefix)) }
        return (newStart, end.isEmpty ? end : prefix + end)
    }

    /// A range inside the namespace.
    func prefixed(_ range: EtcdKeyRange) -> EtcdKeyRange {
        let (start, end) = prefixed(start: range.start, end: range.end)
        return .raw(start: start, end: end)
    }

    /// `key` seen from inside the namespace: without the prefix, or `nil` for a key outside it.
    func stripped(_ key: [UInt8]) -> [UInt8]? {
        guard key.count >= prefix.count, key.starts(with: prefix) else { return nil }
        return Array(key[prefix.count...])
    }

    /// `key` seen from inside the namespace; a key outside it (which etcd does not send back for a request made
    /// inside it) is kept as it is.
    func strippedKey(_ key: [UInt8]) -> [UInt8] {
        stripped(key) ?? key
    }

    private func stripped(_ keyValue: MvccPB.KeyValue) -> MvccPB.KeyValue {
        var keyValue = keyValue
        keyValue.key = strippedKey(keyValue.key)
        return keyValue
    }

    // MARK: - Key-value requests

    func prefixed(_ request: EtcdserverPB.RangeRequest) -> EtcdserverPB.RangeRequest {
        var request = request
        (request.key, request.rangeEnd) = prefixed(start: request.key, end: request.rangeEnd)
        return request
    }

    func prefixed(_ request: EtcdserverPB.PutRequest) -> EtcdserverPB.PutRequest {
        var request = request
        request.key = prefixed(request.key)
        return request
    }

    func prefixed(_ request: EtcdserverPB.DeleteRangeRequest) -> EtcdserverPB.DeleteRangeRequest {
        var request = request
        (request.key, request.rangeEnd) = prefixed(start: request.key, end: request.rangeEnd)
        return request
    }

    func prefixed(_ request: EtcdserverPB.TxnRequest) -> EtcdserverPB.TxnRequest {
        var request = request
        request.compare = request.compare.map { compare in
            var compare = compare
            (compare.key, compare.rangeEnd) = prefixed(start: compare.key, end: compare.rangeEnd)
            return compare
        }
        request.success = request.success.map(prefixed)
        request.failure = request.failure.map(prefixed)
        return request
    }

    private func prefixed(_ operation: EtcdserverPB.RequestOp) -> EtcdserverPB.RequestOp {
        var operation = operation
        switch operation.request {
        case .requestRange(let range): operation.request = .requestRange(prefixed(range))
        case .requestPut(let put): operation.request = .requestPut(prefixed(put))
        case .requestDeleteRange(let delete): operation.request = .requestDeleteRange(prefixed(delete))
        case .requestTxn(let txn): operation.request = .requestTxn(prefixed(txn))
        case nil: break
        }
        return operation
    }

    // MARK: - Key-value responses

    func stripped(_ response: EtcdserverPB.RangeResponse) -> EtcdserverPB.RangeResponse {
        var response = response
        response.kvs = response.kvs.map(stripped)
        return response
    }

    func stripped(_ response: EtcdserverPB.PutResponse) -> EtcdserverPB.PutResponse {
        var response = response
        response.prevKv = response.prevKv.map(stripped)
        return response
    }

    func stripped(_ response: EtcdserverPB.DeleteRangeResponse) -> EtcdserverPB.DeleteRangeResponse {
        var response = response
        response.prevKvs = response.prevKvs.map(stripped)
        return response
    }

    func stripped(_ response: EtcdserverPB.TxnResponse) -> EtcdserverPB.TxnResponse {
        var response = response
        response.responses = response.responses.map { operation in
            var operation = operation
            switch operation.response {
            case .responseRange(let range): operation.response = .responseRange(stripped(range))
            case .responsePut(let put): operation.response = .responsePut(stripped(put))
            case .responseDeleteRange(let delete): operation.response = .responseDeleteRange(stripped(delete))
            case .responseTxn(let txn): operation.response = .responseTxn(stripped(txn))
            case nil: break
            }
            return operation
        }
        return response
    }

    // MARK: - Watches, leases and the lock and election services

    /// A watch request inside the namespace.
    func prefixed(_ request: EtcdWatchRequest) -> EtcdWatchRequest {
        var request = request
        request.range = prefixed(request.range)
        return request
    }

    /// A watch response seen from inside the namespace.
    func stripped(_ response: EtcdWatchResponse) -> EtcdWatchResponse {
        response.mapKeys(strippedKey)
    }

    /// The keys of a lease seen from inside the namespace: those outside it are left out.
    func stripped(leaseKeys keys: [[UInt8]]) -> [[UInt8]] {
        keys.compactMap(stripped)
    }

    func stripped(_ keyValue: MvccPB.KeyValue?) -> MvccPB.KeyValue? {
        keyValue.map(stripped)
    }

    func prefixed(_ leader: V3ElectionPB.LeaderKey) -> V3ElectionPB.LeaderKey {
        var leader = leader
        leader.name = prefixed(leader.name)
        leader.key = prefixed(leader.key)
        return leader
    }

    func stripped(_ leader: V3ElectionPB.LeaderKey?) -> V3ElectionPB.LeaderKey? {
        leader.map { leader in
            var leader = leader
            leader.name = strippedKey(leader.name)
            leader.key = strippedKey(leader.key)
            return leader
        }
    }
}
