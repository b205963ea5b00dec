import EtcdClientCore

/// A distributed first-in, first-out queue. Compatible with the Go recipe (`contrib/recipes.Queue`): each item is a
/// key `name/<nanoseconds>` holding its value, without a lease, and consumers take the item with the lowest creation
/// revision.
///
/// Each item goes to exactly one consumer. Items of one producer that enqueues them one after another are handed
/// out in that order.
public final class EtcdQueue: Sendable {
    /// The client the queue uses.
    public let client: EtcdClient
    /// The prefix of the items' keys: the name and a `/`.
    public let prefix: EtcdKey
    private let name: String
    private let claims: QueueClaim

    /// Creates the queue `name` (items `name/<nanoseconds>`).
    public init(client: EtcdClient, name: String) {
        self.client = client
        self.name = name
        self.prefix = EtcdKey(name + "/")
        self.claims = QueueClaim(prefix: prefix, order: .ascending(by: .createRevision), client: client)
    }

    /// Adds `value` at the end of the queue.
    ///
    /// A call that fails or is cancelled after its request was sent may still have added the item, as with any
    /// write whose outcome is unknown.
    ///
    /// - Returns: the item's key.
    /// - Throws: `EtcdError`; `CancellationError`.
    @discardableResult
    public func enqueue(_ value: some EtcdValueRepresentable) async throws -> EtcdKey {
        try await UniqueRecipeKey.create(under: name, value: value.etcdValueBytes, client: client).key
    }

    /// Takes the first item, waiting for one when the queue is empty.
    ///
    /// - Returns: the item taken (its key, value and revisions); it is deleted from the queue.
    /// - Throws: `EtcdError` (a claim whose answer was lost, `.outcomeUnknown`, may have taken the item);
    ///   `CancellationError` before an item was taken (an item taken is returned, not lost to cancellation).
    public func dequeue() async throws -> EtcdKeyValue {
        try await claims.dequeue()
    }
}
