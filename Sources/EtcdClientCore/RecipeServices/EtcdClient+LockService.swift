import _EtcdWire

extension EtcdClient {
    /// Acquires a lock with the server's own recipe (the `v3lockpb.Lock` service), waiting as long as it takes.
    ///
    /// The server runs the same algorithm as the Go mutex, so it contends with ``EtcdClient`` mutexes,
    /// `etcdctl lock` and Go services on the same name.
    ///
    /// - Parameters:
    ///   - name: the lock's name.
    ///   - lease: the lease that holds the lock key; the lock is released when it ends.
    /// - Returns: the lock key (pass it to ``unlockWithService(key:)``) and the response header.
    /// - Throws: `EtcdError`; `CancellationError`.
    public func lockWithService(
        name: EtcdKey,
        lease: EtcdLeaseID
    ) async throws -> (key: EtcdKey, header: EtcdResponseHeader) {
        var request = V3LockPB.LockRequest()
        request.name = namespace?.prefixed(name.bytes) ?? name.bytes
        request.lease = lease.rawValue
        let response = try await call(V3LockPB.LockService.Lock.self, request, options: CallOptions(timeout: nil))
        return (
            EtcdKey(bytes: namespace?.strippedKey(response.key) ?? response.key), EtcdResponseHeader(response.header)
        )
    }

    /// Releases a lock taken with ``lockWithService(name:lease:)``.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    @discardableResult
    public func unlockWithService(key: EtcdKey) async throws -> EtcdResponseHeader {
        var request = V3LockPB.UnlockRequest()
        request.key = namespace?.prefixed(key.bytes) ?? key.bytes
        return EtcdResponseHeader(try await call(V3LockPB.LockService.Unlock.self, request).header)
    }
}
