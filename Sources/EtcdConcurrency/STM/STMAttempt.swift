import EtcdClientCore

/// The reads and buffered writes of one STM attempt, and the requests they make, as Go's `stm` and
/// `stmSerializable` build them; no I/O, so the compares are tested on their own.
struct STMAttempt {
    /// A buffered write: the value a later read of the key sees (`nil` for a deletion), and the operation.
    struct Write {
        let value: [UInt8]?
        let lease: EtcdLeaseID?
        let operation: EtcdOperation

        init(value: [UInt8]?, lease: EtcdLeaseID? = nil, operation: EtcdOperation) {
            self.value = value
            self.lease = lease
            self.operation = operation
        }
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
    /// The revision each read's value is from (a read at the attempt's revision answers with the server's current
    /// revision in its header).
    private var readAt: [EtcdKey: Int64] = [:]

    init(level: EtcdSTMIsolation) {
        self.level = level
    }

    private var isSerializable: Bool { level == .serializableSnapshot || level == .serializable }

    /// A new attempt: no reads, no writes (what a failed commit fetched stays, for the serializable levels).
    mutating func reset() {
        reads = [:]
        readAt = [:]
        readRevision = nil
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
            readAt[key] = response.header.revision
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
            readAt[key] = isSerializable ? readRevision : response.header.revision
        }
    }

    // MARK: - What this process's other commits tell (see STMCommitBoard)

    /// The keys this attempt read or wrote.
    var touchedKeys: Set<EtcdKey> { Set(reads.keys).union(writes.keys) }

    /// The keys this attempt puts and those it deletes.
    var writtenKeys: (puts: Set<EtcdKey>, deletions: Set<EtcdKey>) {
        (Set(writes.filter { $0.value.value != nil }.keys), Set(writes.filter { $0.value.value == nil }.keys))
    }

    /// Whether the commit is certain to fail: a key it compares was put (by a commit of this process, revision
    /// `lastPut`) after the revision the compare allows.
    func isDoomed(lastPut: (EtcdKey) -> Int64?) -> Bool {
        guard level != .readCommitted else { return false }
        let readReplaced = reads.contains { key, read in (lastPut(key) ?? 0) > (readAt[key] ?? read.header.revision) }
        guard level == .serializableSnapshot, let first = reads.values.map(\.header.revision).min() else {
            return readReplaced
        }
        return readReplaced || writes.keys.contains { (lastPut($0) ?? 0) > first }
    }

    /// Whether nothing has been read in this attempt yet (on the serializable levels, the next read fixes its revision).
    var awaitsFirstRead: Bool { isSerializable && reads.isEmpty && prefetched.isEmpty && readRevision == nil }

    /// Takes `read`, what the commit of this process that handed `key` over just wrote, as the attempt's first read:
    /// its revision becomes the attempt's, so every later read is at the revision that commit made.
    mutating func adoptFirstRead(_ key: EtcdKey, _ read: EtcdGetResponse) {
        reads[key] = read
        readAt[key] = read.header.revision
        readRevision = read.header.revision
    }

    /// What each key written holds after a commit answered with `header`.
    func committedReads(_ header: EtcdResponseHeader) -> [EtcdKey: EtcdGetResponse] {
        var committed: [EtcdKey: EtcdGetResponse] = [:]
        for (key, write) in writes {
            // Creation revision and version are unknown here; an attempt compares and reports only the modification
            // revision.
            let written = write.value.map { value in
                EtcdKeyValue(
                    key: key,
                    value: value,
                    createRevision: 0,
                    modRevision: header.revision,
                    version: 0,
                    lease: write.lease
                )
            }
            committed[key] = EtcdGetResponse(header: header, keyValues: written.map { [$0] } ?? [])
        }
        return committed
    }

    /// Whether reading `keys` at the attempt's revision would give a value already replaced (put by a commit of this
    /// process at revision `lastPut`): the serializable levels then move the whole attempt to a newer revision.
    func needsNewerSnapshot(for keys: [EtcdKey], lastPut: (EtcdKey) -> Int64?) -> Bool {
        guard isSerializable, let readRevision else { return false }
        return keys.contains { (lastPut($0) ?? 0) > readRevision }
    }

    /// Reads again every key read so far, and `keys`, at the newest revision, in one round trip.
    ///
    /// - Returns: the request and the keys it reads, in order.
    func newerSnapshotRequest(adding keys: [EtcdKey]) -> (request: EtcdTxnRequest, keys: [EtcdKey]) {
        let all = reads.keys.sorted() + keys.filter { reads[$0] == nil }
        return (EtcdTxnRequest(if: [], then: all.map { .get($0) }), all)
    }

    /// Moves the attempt to the revision of `response` (an answer to ``newerSnapshotRequest(adding:)``), if every key
    /// read so far is unchanged there: what the body has seen is then what it would have seen at that revision.
    ///
    /// - Returns: `false` when a key read so far changed (the attempt must start again).
    mutating func moveToNewerSnapshot(_ keys: [EtcdKey], from response: EtcdTxnResponse) throws -> Bool {
        guard response.responses.count == keys.count else {
            throw EtcdError(.malformedResponse, message: "an STM read got \(response.responses.count) answers")
        }
        var answers: [EtcdKey: EtcdGetResponse] = [:]
        for (key, answer) in zip(keys, response.responses) {
            guard case .get(let read) = answer else {
                throw EtcdError(.malformedResponse, message: "an STM read got an answer that is not a read")
            }
            answers[key] = read
        }
        for (key, read) in reads where answers[key]?.keyValues.first?.modRevision != read.keyValues.first?.modRevision {
            return false
        }
        reads.merge(answers) { _, new in new }
        for key in reads.keys { readAt[key] = response.header.revision }
        readRevision = response.header.revision
        return true
    }

    /// The keys a failed commit read back for this attempt.
    var prefetchedKeys: Dictionary<EtcdKey, EtcdGetResponse>.Keys { prefetched.keys }

    /// Forgets what a failed commit read back.
    mutating func dropPrefetched() {
        prefetched = [:]
    }

    /// Forgets what a failed commit read back when a commit of this process has put one of those keys since.
    mutating func dropStalePrefetched(lastPut: (EtcdKey) -> Int64?) {
        if prefetched.contains(where: { key, read in (lastPut(key) ?? 0) > read.header.revision }) { prefetched = [:] }
    }

    /// The keys a failed commit reads back (the serializable levels), and the read-only request that reads them
    /// when the commit is skipped as certain to fail.
    var readBackRequest: (request: EtcdTxnRequest, keys: [EtcdKey]) {
        guard isSerializable else { return (EtcdTxnRequest(if: [], then: []), []) }
        let keys = reads.keys.sorted()
        return (EtcdTxnRequest(if: [], then: keys.map { .get($0) }), keys)
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
        let readBack = readBackRequest
        return (EtcdTxnRequest(if: conflicts, then: operations, else: readBack.request.success), readBack.keys)
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
