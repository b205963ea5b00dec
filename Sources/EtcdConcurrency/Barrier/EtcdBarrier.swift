import EtcdClientCore

/// A barrier that holds waiters back until it is released. Compatible with the Go recipe (`contrib/recipes.Barrier`):
/// the barrier is up while its key exists.
///
/// The key has no lease: a barrier stays up until someone releases it, even if the process that raised it ends.
public final class EtcdBarrier: Sendable {
    /// The client the barrier uses.
    public let client: EtcdClient
    /// The barrier's key.
    public let key: EtcdKey

    /// Creates a barrier on `key`.
    public init(client: EtcdClient, key: EtcdKey) {
        self.client = client
        self.key = key
    }

    /// Raises the barrier: creates its key if it does not exist.
    ///
    /// - Returns: `true` when this call raised it, `false` when it was already up.
    /// - Throws: `EtcdError`; `CancellationError`.
    @discardableResult
    public func hold() async throws -> Bool {
        try await client.txn(if: [.missing(key)], then: [.put(key, value: "")]).succeeded
    }

    /// Lowers the barrier: deletes its key, which lets every waiter go.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    public func release() async throws {
        try await client.delete(key)
    }

    /// Waits until the barrier is down; returns at once when it is not up.
    ///
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled, whenever that happens.
    public func wait() async throws {
        try await RecipeWait.untilDeleted(key, client: client)
    }
}
