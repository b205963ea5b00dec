import EtcdClientCore

/// The reads and buffered writes of one STM attempt, and the requests they make, as Go's `stm` and
/// `stmSerializable` build them; no I/O, so the compares are tested on their own.
struct STMAttempt {
    /// A buffered write: the value a later read of the key sees (`nil` for a deletion), and the operation.
    struct Write {
        let value: [UInt8]?
        let operation: EtcdOperation
    }

    let level: EtcdSTMIsolation
    /// What each key read returned, in this attempt.
    private(set) var reads: [EtcdKey: EtcdGetResponse] = [:]
    /// The buffered writes, by key, and the order they were made in.
    private(set) var writes: [EtcdKey: Write] = [:]
    private var writeOrder: [EtcdKey] = []
    /// Reads a failed commit fetched for the next attempt (serializable levels), used instead of asking again.
    private(set) var prefetched: [EtcdKey: EtcdGetResponse] = [:]
    /// The revision every read is made at (serializable levels): that of the attempt's first read.
    private(set) var readRevision: Int64?

    init(level: EtcdSTMIsolation) {
        self.level = level
    }

    private var isSerializable: Bool { level == .serializableSnapshot || level == .serializable }

    /// A new attempt: no reads, no writes (what a failed commit fetched stays, for the serializable levels).
    mutating func reset() {
        reads = [:]
        writes = [:]
        writeOrder = []
    }

    /// Buffers a write of `key`.
    mutating func buffer(_ key: EtcdKey, _ write: Write) {
        if writes.updateValue(write, forKey: key) == nil { writeOrder.append(key) }
    }

    /// What is known of `key` without asking: a buffered write, or a read made earlier in the attempt (a prefetched
    /// one is moved into the reads first).
    ///
    /// - Returns: `.written(value)`, `.read(response)`, or `nil` when the key must be read.
    mutating func known(_ key: EtcdKey) -> Known? {
        if let write = writes[key] { return .written(write.value) }
        if isSerializable, let response = prefetched.removeValue(forKey: key) {
            if reads.isEmpty { readRevision = response.header.revision }
            reads[key] = response
        }
        return reads[key].map(Known.read)
    }

    /// What ``known(_:)`` found.
    enum Known {
        case written([UInt8]?)
        case read(EtcdGetResponse)
    }

    /// The transaction that reads `keys` in one round trip: at the first read's revision for the serializable
    /// levels (the first read itself is linearizable), from the member's copy for the others.
    func readRequest(_ keys: [EtcdKey]) -> EtcdTxnRequest {
        let operations = keys.map { key -> EtcdOperation in
            switch level {
            case .serializableSnapshot, .serializable:
                if let readRevision {
                    return .get(EtcdGetRequest(.key(key), revision: readRevision, consistency: .serializable))
                }
                return .get(EtcdGetRequest(.key(key)))
            case .repeatableReads, .readCommitted:
                return .get(EtcdGetRequest(.key(key), consistency: .serializable))
            }
        }
        return EtcdTxnRequest(if: [], then: operations)
    }

    /// Records the answers to ``readRequest(_:)``; the first read of a serializable attempt fixes its revision.
    mutating func record(_ keys: [EtcdKey], from response: EtcdTxnResponse) throws {
        guard response.responses.count == keys.count else {
            throw EtcdError(.malformedResponse, message: "an STM read got \(response.responses.count) answers")
        }
        if isSerializable, reads.isEmpty, readRevision == nil { readRevision = response.header.revision }
        for (key, answer) in zip(keys, response.responses) {
            guard case .get(let read) = answer else {
                throw EtcdError(.malformedResponse, message: "an STM read got an answer that is not a read")
            }
            reads[key] = read
        }
    }

    /// The compares the commit is conditional on (Go's `conflicts`).
    var conflicts: [EtcdCompare] {
        let readsUnchanged = reads.keys.sorted().map { key -> EtcdCompare in
            guard let current = reads[key]?.keyValues.first else { return .modRevision(key, .equal, 0) }
            return .modRevision(key, .less, current.modRevision + 1)
        }
        switch level {
        case .serializableSnapshot:
            // A written key must not have changed after the attempt's first read, even if it was never read.
            let first = reads.values.map(\.header.revision).min() ?? (Int64.max - 1)
            return readsUnchanged + writeOrder.map { .modRevision($0, .less, first + 1) }
        case .serializable, .repeatableReads:
            return readsUnchanged
        case .readCommitted:
            return []
        }
    }

    /// The commit: the writes if nothing conflicts; otherwise, for the serializable levels, the keys read, read
    /// again, so that the next attempt starts from them without another round trip.
    ///
    /// - Returns: the request, and the keys its `else` branch reads, in order.
    func commitRequest() -> (request: EtcdTxnRequest, readBack: [EtcdKey]) {
        let operations = writeOrder.compactMap { writes[$0]?.operation }
        guard isSerializable else { return (EtcdTxnRequest(if: conflicts, then: operations), []) }
        let readBack = reads.keys.sorted()
        return (EtcdTxnRequest(if: conflicts, then: operations, else: readBack.map { .get($0) }), readBack)
    }

    /// A commit failed: what its `else` branch read becomes the next attempt's prefetched reads.
    mutating func commitFailed(readBack keys: [EtcdKey], response: EtcdTxnResponse) {
        guard isSerializable else { return }
        prefetched = [:]
        for (key, answer) in zip(keys, response.responses) {
            if case .get(let read) = answer { prefetched[key] = read }
        }
        readRevision = nil
    }
}
