import EtcdClientCore

/// The reads and writes of one attempt of an `EtcdClient.stm(level:prefetch:maxAttempts:isolation:_:)`
/// transaction.
///
/// Reads go to the server the first time a key is read in an attempt (all prefetched keys in one round trip);
/// writes are buffered, read back by later reads of the same key, and applied by the commit, one `Txn`.
public final class EtcdSTMTransaction {
    private let client: EtcdClient
    private let board: STMCommitBoard
    private var attempt: STMAttempt
    /// Set when the attempt must start again (a key it read was replaced): its commit is not sent.
    private var mustRestart = false
    /// The attempt's identifier on the board, under which it reserves its keys.
    private var attemptID: UInt64
    /// What the commits that handed this attempt its keys wrote in them.
    private var handedOver: [EtcdKey: EtcdGetResponse] = [:]

    init(client: EtcdClient, level: EtcdSTMIsolation) {
        self.client = client
        self.board = STMCommitBoard.of(client)
        self.attempt = STMAttempt(level: level)
        self.attemptID = board.newAttempt()
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
        attempt.buffer(
            key,
            .init(value: value.etcdValueBytes, lease: lease, operation: .put(key, value: value, lease: lease))
        )
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
        handedOver.merge(try await reserve(missing)) { _, new in new }
        let handedOver = handedOver
        if attempt.awaitsFirstRead, let first = missing.lazy.compactMap({ handedOver[$0] }).first {
            // The commit that handed these keys over just wrote them: that is the attempt's first read, at the
            // revision of that commit (keys handed over by another commit are read at it too).
            let adopted = missing.filter { handedOver[$0]?.header.revision == first.header.revision }
            for key in adopted { attempt.adoptFirstRead(key, handedOver[key]!) }
            missing.removeAll { adopted.contains($0) }
            if missing.isEmpty { return }
        }
        // Not a value about to be replaced by a commit of this process: wait for it.
        await board.waitForCommits(writing: missing)
        if attempt.needsNewerSnapshot(for: missing, lastPut: board.lastWrite(of:)) {
            let (request, all) = attempt.newerSnapshotRequest(adding: missing)
            let response = try await client.txn(request)
            guard try attempt.moveToNewerSnapshot(all, from: response) else {
                mustRestart = true
                throw STMRestart()
            }
            return
        }
        let response = try await client.txn(attempt.readRequest(missing))
        try attempt.record(missing, from: response)
    }

    /// Reserves `keys` for this attempt (see ``STMCommitBoard/reserve(_:for:)``).
    ///
    /// - Returns: what the commits that handed keys over wrote in them.
    @discardableResult
    nonisolated(nonsending) private func reserve(_ keys: [EtcdKey]) async throws -> [EtcdKey: EtcdGetResponse] {
        do {
            return try await board.reserve(keys, for: attemptID)
        } catch let restart as STMRestart {
            mustRestart = true
            throw restart
        }
    }

    /// Ends the attempt: releases the keys it reserved, handing on what its commit wrote in them, if it committed.
    func finishAttempt(committed header: EtcdResponseHeader? = nil) {
        board.releaseReservations(of: attemptID, committed: header.map(attempt.committedReads) ?? [:])
    }

    /// Starts a new attempt. What a failed commit read back is used only once its keys are reserved and no commit of
    /// this process replaced it since.
    nonisolated(nonsending) func startAttempt() async {
        finishAttempt()
        attemptID = board.newAttempt()
        mustRestart = false
        handedOver = [:]
        attempt.reset()
        let prefetched = Array(attempt.prefetchedKeys)
        guard !prefetched.isEmpty else { return }
        do {
            handedOver = try await board.reserve(prefetched, for: attemptID)
        } catch {
            // A cycle, or cancellation (seen by the next step): read the keys again instead.
            attempt.dropPrefetched()
            return
        }
        await board.waitForCommits(writing: prefetched)
        attempt.dropStalePrefetched(lastPut: board.lastWrite(of:))
    }

    /// Commits the buffered writes if nothing read or written conflicts.
    ///
    /// - Returns: whether the commit was applied.
    nonisolated(nonsending) func commit() async throws -> Bool {
        if mustRestart {
            finishAttempt()
            return false
        }
        var committed: EtcdResponseHeader?
        defer { finishAttempt(committed: committed) }
        do {
            try await reserve(Array(attempt.writtenKeys.puts.union(attempt.writtenKeys.deletions)))
        } catch is STMRestart {
            return false
        }
        await board.waitForCommits(writing: attempt.touchedKeys)
        if attempt.isDoomed(lastPut: board.lastWrite(of:)) {
            // etcd would refuse the commit: read back what its else branch would have, without a write through raft.
            let (request, readBack) = attempt.readBackRequest
            if !readBack.isEmpty { attempt.commitFailed(readBack: readBack, response: try await client.txn(request)) }
            return false
        }
        let (request, readBack) = attempt.commitRequest()
        let written = attempt.writtenKeys
        let commit = board.begin(putting: written.puts, deleting: written.deletions)
        let response: EtcdTxnResponse
        do {
            response = try await client.txn(request)
        } catch {
            board.end(commit, revision: nil)
            throw error
        }
        board.end(commit, revision: response.succeeded ? response.header.revision : nil)
        if response.succeeded { committed = response.header }
        if !response.succeeded { attempt.commitFailed(readBack: readBack, response: response) }
        return response.succeeded
    }
}

/// Thrown by a read of an attempt that must start again; the STM loop starts the next attempt.
struct STMRestart: Error {}
