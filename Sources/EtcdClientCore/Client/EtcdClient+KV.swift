import _EtcdWire

extension EtcdClient {
    /// Reads one key.
    ///
    /// - Parameters:
    ///   - key: the key.
    ///   - revision: the revision to read at; `nil` (the default) reads the latest.
    ///   - consistency: linearizable (the default) or serializable.
    ///   - options: this call's timeout, metadata and leader requirement; `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Returns: the key-value, or `nil` when the key does not exist.
    /// - Throws: `EtcdError` (`.emptyKey`, `.compacted`, `.futureRevision`, `.connectionFailed`, ...);
    ///   `CancellationError` when the task is cancelled.
    public func get(
        _ key: EtcdKey,
        revision: Int64? = nil,
        consistency: EtcdConsistency = .linearizable,
        options: CallOptions? = nil
    ) async throws -> EtcdKeyValue? {
        try await get(EtcdGetRequest(.key(key), revision: revision, consistency: consistency), options: options)
            .keyValues.first
    }

    /// Reads a range: a prefix, a half-open range, every key from one on, or every key.
    ///
    /// - Parameters:
    ///   - range: the keys.
    ///   - revision: the revision to read at; `nil` (the default) reads the latest.
    ///   - limit: the most keys to return; `nil` (the default) returns all.
    ///   - sort: the order; `nil` (the default) is ascending by key.
    ///   - consistency: linearizable (the default) or serializable.
    ///   - keysOnly: whether to leave out values. Defaults to `false`.
    ///   - options: this call's timeout, metadata and leader requirement; `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Returns: the keys, the total count of matches, and whether there are more than the limit.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func get(
        _ range: EtcdKeyRange,
        revision: Int64? = nil,
        limit: Int? = nil,
        sort: EtcdSort? = nil,
        consistency: EtcdConsistency = .linearizable,
        keysOnly: Bool = false,
        options: CallOptions? = nil
    ) async throws -> EtcdGetResponse {
        try await get(
            EtcdGetRequest(
                range,
                revision: revision,
                limit: limit,
                sort: sort,
                consistency: consistency,
                output: keysOnly ? .keysOnly : .keysAndValues
            ),
            options: options
        )
    }

    /// Reads with every option etcd has, including revision bounds and count-only reads.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    /// A serializable read is answered by whichever member the client is on, from its own copy, which may lag.
    /// With ``Configuration/rejectsStaleSerializableReads`` (the default), an answer from an older revision than
    /// this client has already seen is asked again of the next endpoint, and ``EtcdError/Code/staleRead`` is
    /// thrown when no endpoint has caught up.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func get(_ request: EtcdGetRequest, options: CallOptions? = nil) async throws -> EtcdGetResponse {
        let floor = revisionFloor.value
        let checksOrder = request.consistency == .serializable && configuration.rejectsStaleSerializableReads
        let response = try await call(
            EtcdserverPB.KVService.Range.self,
            namespace?.prefixed(request.message) ?? request.message,
            options: options,
            rejection: checksOrder ? { RevisionFloor.staleness(of: $0.header?.revision, below: floor) } : nil
        )
        revisionFloor.raise(to: response.header?.revision)
        return EtcdGetResponse(namespace?.stripped(response) ?? response)
    }

    /// Counts the keys in a range without reading them.
    ///
    /// - Parameters:
    ///   - range: the keys to count.
    ///   - revision: the revision to count at; `nil` (the default) for the latest.
    ///   - consistency: linearizable (the default) or serializable.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func count(
        _ range: EtcdKeyRange,
        revision: Int64? = nil,
        consistency: EtcdConsistency = .linearizable,
        options: CallOptions? = nil
    ) async throws -> Int {
        try await get(
            EtcdGetRequest(range, revision: revision, consistency: consistency, output: .countOnly),
            options: options
        ).count
    }

    /// Writes `value` to `key`.
    ///
    /// - Parameters:
    ///   - key: the key.
    ///   - value: the value: a `String` (UTF-8) or bytes.
    ///   - lease: a lease to attach; `nil` (the default) attaches none.
    ///   - includePrevious: whether to return the key-value as it was. Defaults to `false`.
    ///   - options: this call's timeout, metadata and leader requirement; `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError` (`.emptyKey`, `.requestTooLarge`, `.leaseNotFound`, ...);
    ///   `CancellationError` when the task is cancelled.
    @discardableResult
    public func put(
        _ key: EtcdKey,
        value: some EtcdValueRepresentable,
        lease: EtcdLeaseID? = nil,
        includePrevious: Bool = false,
        options: CallOptions? = nil
    ) async throws -> EtcdPutResponse {
        try await put(
            EtcdPutRequest(key, value: value, lease: lease, includePrevious: includePrevious),
            options: options
        )
    }

    /// Writes with every option etcd has, including keeping the current value or lease.
    ///
    /// - Throws: `EtcdError` (`.keyNotFound` when keeping the value or lease of a missing key, ...).
    @discardableResult
    public func put(_ request: EtcdPutRequest, options: CallOptions? = nil) async throws -> EtcdPutResponse {
        let message = namespace?.prefixed(request.message) ?? request.message
        let response = try await call(EtcdserverPB.KVService.Put.self, message, options: options)
        revisionFloor.raise(to: response.header?.revision)
        return EtcdPutResponse(namespace?.stripped(response) ?? response)
    }

    /// Deletes one key.
    ///
    /// - Parameters:
    ///   - key: the key.
    ///   - includePrevious: whether to return the key-value as it was. Defaults to `false`.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func delete(
        _ key: EtcdKey,
        includePrevious: Bool = false,
        options: CallOptions? = nil
    ) async throws -> EtcdDeleteResponse {
        try await delete(EtcdDeleteRequest(.key(key), includePrevious: includePrevious), options: options)
    }

    /// Deletes a range of keys.
    ///
    /// - Parameters:
    ///   - range: the keys.
    ///   - includePrevious: whether to return the key-values as they were. Defaults to `false`.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func delete(
        _ range: EtcdKeyRange,
        includePrevious: Bool = false,
        options: CallOptions? = nil
    ) async throws -> EtcdDeleteResponse {
        try await delete(EtcdDeleteRequest(range, includePrevious: includePrevious), options: options)
    }

    /// Deletes as `request` says.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func delete(_ request: EtcdDeleteRequest, options: CallOptions? = nil) async throws -> EtcdDeleteResponse {
        let message = namespace?.prefixed(request.message) ?? request.message
        let response = try await call(EtcdserverPB.KVService.DeleteRange.self, message, options: options)
        revisionFloor.raise(to: response.header?.revision)
        return EtcdDeleteResponse(namespace?.stripped(response) ?? response)
    }

    /// Runs a transaction: if every condition holds, the `then` operations, otherwise the `else` ones.
    ///
    /// - Parameters:
    ///   - conditions: the compares, all of which must hold.
    ///   - success: the operations run when they hold.
    ///   - failure: the operations run otherwise. Defaults to none.
    ///   - options: this call's options; `nil` (the default) uses ``Configuration/defaultCallOptions``.
    /// - Throws: `EtcdError` (`.tooManyOperations`, `.duplicateKey`, ...); `CancellationError` when the
    ///   task is cancelled.
    public func txn(
        if conditions: [EtcdCompare],
        then success: [EtcdOperation],
        else failure: [EtcdOperation] = [],
        options: CallOptions? = nil
    ) async throws -> EtcdTxnResponse {
        try await txn(EtcdTxnRequest(if: conditions, then: success, else: failure), options: options)
    }

    /// Runs a transaction.
    ///
    /// A transaction of serializable reads only is answered from the local copy of whichever member the client is
    /// on, and is checked like a serializable ``get(_:options:)``: an answer from an older revision than already
    /// seen is asked again of the next endpoint, and ``EtcdError/Code/staleRead`` is thrown when none has caught up.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    public func txn(_ request: EtcdTxnRequest, options: CallOptions? = nil) async throws -> EtcdTxnResponse {
        let retry: EtcdRetryPolicy = request.isReadOnly ? .idempotent : .ifNotSent
        let floor = revisionFloor.value
        let checksOrder = request.isSerializable && configuration.rejectsStaleSerializableReads
        let response = try await call(
            EtcdserverPB.KVService.Txn.self,
            namespace?.prefixed(request.message) ?? request.message,
            options: options,
            retry: retry,
            rejection: checksOrder ? { RevisionFloor.staleness(of: $0.header?.revision, below: floor) } : nil
        )
        revisionFloor.raise(to: response.header?.revision)
        return try EtcdTxnResponse(namespace?.stripped(response) ?? response)
    }

    /// Compacts the key-value history: revisions before `revision` can no longer be read or watched.
    ///
    /// - Parameters:
    ///   - revision: the first revision to keep.
    ///   - physical: whether to wait until the space is reclaimed on disk. Defaults to `false`.
    ///   - options: this call's timeout, metadata and leader requirement; `nil` (the default) uses
    ///     ``Configuration/defaultCallOptions``.
    /// - Returns: the response header.
    /// - Throws: `EtcdError` (`.compacted` when already compacted past it, `.futureRevision`).
    @discardableResult
    public func compact(
        revision: Int64,
        physical: Bool = false,
        options: CallOptions? = nil
    ) async throws -> EtcdResponseHeader {
        var request = EtcdserverPB.CompactionRequest()
        request.revision = revision
        request.physical = physical
        return EtcdResponseHeader(try await call(EtcdserverPB.KVService.Compact.self, request, options: options).header)
    }
}
