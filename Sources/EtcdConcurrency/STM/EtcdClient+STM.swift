import EtcdClientCore

extension EtcdClient {
    /// The attempts an STM transaction makes by default before it gives up.
    public static let defaultSTMAttempts = 32

    /// Runs `body` as one software transaction: its reads and writes commit together in one `Txn`, or not at all,
    /// and the whole is tried again from the start when another writer got in the way (Go's `concurrency.NewSTM`,
    /// with the same keys and compares).
    ///
    /// `body` may run several times: it must do nothing but read and write through the transaction (and compute),
    /// because an attempt that conflicts is thrown away. A failed commit reads the keys read again in the same
    /// round trip (serializable levels), so the next attempt starts from them. The first retries go at once;
    /// after that, each waits a short, jittered, growing pause (at most 8 ms), so that contenders do not retry in
    /// lock step.
    ///
    /// Transactions of this client rarely conflict with each other in etcd: an attempt reserves the keys it uses
    /// inside the process until its commit ends, and another that wants one waits for that commit (at most 50 ms
    /// for each key, then it goes on as Go's would) and starts from what it wrote (see `STMCommitBoard`). Across
    /// processes, conflicts are found by the commit's compares, as in Go.
    ///
    /// - Parameters:
    ///   - level: how reads are isolated from other writers; ``EtcdSTMIsolation/serializableSnapshot`` by default.
    ///   - prefetch: keys to read at the start of each attempt, in one round trip.
    ///   - maxAttempts: how many attempts to make before throwing `EtcdError.Code.stmConflict`.
    ///   - isolation: the caller's actor, on which `body` runs; leave the default.
    ///   - body: the reads and writes; what it returns is returned once its attempt commits.
    /// - Returns: what `body` returned in the attempt that committed.
    /// - Throws: what `body` throws, unchanged and with nothing written; `EtcdError.Code.stmConflict` after
    ///   `maxAttempts` conflicting attempts; `EtcdError`; `CancellationError` between or during attempts (a
    ///   commit is one `Txn`: never half applied).
    public func stm<Result>(
        level: EtcdSTMIsolation = .serializableSnapshot,
        prefetch: [EtcdKey] = [],
        maxAttempts: Int = EtcdClient.defaultSTMAttempts,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdSTMTransaction) async throws -> Result
    ) async throws -> Result {
        let transaction = EtcdSTMTransaction(client: self, level: level)
        let attempts = max(1, maxAttempts)
        var pause = STMBackoff()
        defer { transaction.finishAttempt() }
        for attempt in 1...attempts {
            try Task.checkCancellation()
            await transaction.startAttempt()
            do {
                try await transaction.fetch(prefetch)
                let result = try await body(transaction)
                try Task.checkCancellation()
                if try await transaction.commit() { return result }
            } catch is STMRestart {
                // A read found a key the attempt had read replaced by a commit of this process, or waiting for a key
                // would have closed a cycle: let the keys go and start again.
                transaction.finishAttempt()
            }
            let delay = pause.next()
            if attempt < attempts && delay > .zero { try await Task.sleep(for: delay) }
        }
        throw EtcdError(
            .stmConflict,
            message: "the transaction conflicted with other writers in each of its \(attempts) attempts"
        )
    }
}
