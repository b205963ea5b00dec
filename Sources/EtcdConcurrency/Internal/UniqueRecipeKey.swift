import EtcdClientCore

#if canImport(Glibc)
import Glibc
#endif

/// The keys the Go recipes create once and never again (read-write lock holders, double-barrier participants, queue
/// items): `prefix/` followed by the wall clock in nanoseconds since 1970, in decimal, created only if missing.
enum UniqueRecipeKey {
    /// Creates a unique key under `prefix` (written without its trailing `/`) holding `value`, attached to `lease`,
    /// and runs `reads` in the same transaction.
    ///
    /// When the call fails after it may have reached the server (cancelled, timed out), a key attached to `lease` is
    /// deleted again, whatever the task's state, so that nobody waits behind a key its owner never learned of. A key
    /// without a lease (a queue item) cannot be told apart from another writer's in that case, and is left.
    ///
    /// - Returns: the key and the transaction's response: its header revision is the key's creation revision, and its
    ///   responses after the first are those of `reads`.
    /// - Throws: `EtcdError`; `CancellationError`.
    static func create(
        under prefix: String,
        value: [UInt8] = [],
        lease: EtcdLeaseID? = nil,
        alsoReading reads: [EtcdOperation] = [],
        client: EtcdClient
    ) async throws -> (key: EtcdKey, response: EtcdTxnResponse) {
        var stamp = wallClockNanoseconds()
        while true {
            let key = EtcdKey(prefix + "/" + String(stamp))
            let response: EtcdTxnResponse
            do {
                response = try await client.txn(
                    if: [.missing(key)],
                    then: [.put(key, value: value, lease: lease)] + reads
                )
            } catch {
                if let lease, (error as? EtcdError)?.requestNotSent != true {
                    await ScopedCleanup.uncancellable {
                        _ = try await client.txn(if: [.lease(key, .equal, lease)], then: [.delete(key)])
                    }
                }
                throw error
            }
            if response.succeeded { return (key, response) }
            // Another writer took this nanosecond: the next one.
            stamp = max(stamp + 1, wallClockNanoseconds())
        }
    }

    private static func wallClockNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
