import EtcdClientCore

/// The reads and writes of one attempt of an ``EtcdClient/stm(level:prefetch:maxAttempts:isolation:_:)``
/// transaction.
///
/// Reads go to the server the first time a key is read in an attempt (all prefetched keys in one round trip);
/// writes are buffered, read back by later reads of the same key, and applied by the commit, one `Txn`.
public final class EtcdSTMTransaction {
    private let client: EtcdClient
    private var attempt: STMAttempt

    init(client: EtcdClient, level: EtcdSTMIsolation) {
        self.client = client
        self.attempt = STMAttempt(level: level)
    }

    /// The isolation level.
    public var level: EtcdSTMIsolation { attempt.level }

    /// The value of `key`, or `nil` when it does not exist (or was deleted in this attempt).
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    nonisolated(nonsending) public func get(_ key: EtcdKey) async throws -> [UInt8]? {
        switch try await read(key) {
        case .written(let value): value
        case .read(let response): response.keyValues.first?.value
        }
    }

    /// The value of `key` as UTF-8 text, or `nil` when it does not exist (or was deleted in this attempt).
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    nonisolated(nonsending) public func getString(_ key: EtcdKey) async throws -> String? {
        try await get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The modification revision of `key` as read in this attempt, or 0 when it does not exist (Go's `Rev`).
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    nonisolated(nonsending) public func modRevision(of key: EtcdKey) async throws -> Int64 {
        if case .read(let response) = try await fetched(key) { return response.keyValues.first?.modRevision ?? 0 }
        return 0
    }

    /// Buffers a write of `value` to `key`, with an optional lease; later reads of `key` in this attempt see it.
    public func put(_ key: EtcdKey, value: some EtcdValueRepresentable, lease: EtcdLeaseID? = nil) {
        attempt.buffer(key, .init(value: value.etcdValueBytes, operation: .put(key, value: value, lease: lease)))
    }

    /// Buffers a deletion of `key`; later reads of `key` in this attempt find nothing.
    public func delete(_ key: EtcdKey) {
        attempt.buffer(key, .init(value: nil, operation: .delete(key)))
    }

    // MARK: - The attempt

    /// What is known of `key`, reading it first if needed.
    nonisolated(nonsending) private func read(_ key: EtcdKey) async throws -> STMAttempt.Known {
        if let known = attempt.known(key) { return known }
        try await fetch([key])
        guard let known = attempt.known(key) else { throw Self.missingAnswer(key) }
        return known
    }

    /// What was read of `key`, ignoring buffered writes (a revision is a server's), reading it first if needed.
    nonisolated(nonsending) private func fetched(_ key: EtcdKey) async throws -> STMAttempt.Known {
        _ = attempt.known(key)
        if let response = attempt.reads[key] { return .read(response) }
        try await fetch([key])
        guard let response = attempt.reads[key] else { throw Self.missingAnswer(key) }
        return .read(response)
    }

    private static func missingAnswer(_ key: EtcdKey) -> EtcdError {
        EtcdError(.malformedResponse, message: "the server's answer to an STM read had nothing for \(key)")
    }

    /// Reads `keys` not read yet in this attempt, in one round trip.
    nonisolated(nonsending) func fetch(_ keys: [EtcdKey]) async throws {
        var missing: [EtcdKey] = []
        for key in keys where attempt.known(key) == nil && !missing.contains(key) { missing.append(key) }
        guard !missing.isEmpty else { return }
        let response = try await client.txn(attempt.readRequest(missing))
        try attempt.record(missing, from: response)
    }

    /// Starts a new attempt.
    func reset() {
        attempt.reset()
    }

    /// Commits the buffered writes if nothing read or written conflicts.
    ///
    /// - Returns: whether the commit was applied.
    nonisolated(nonsending) func commit() async throws -> Bool {
        let (request, readBack) = attempt.commitRequest()
        let response = try await client.txn(request)
        if !response.succeeded { attempt.commitFailed(readBack: readBack, response: response) }
        return response.succeeded
    }
}
