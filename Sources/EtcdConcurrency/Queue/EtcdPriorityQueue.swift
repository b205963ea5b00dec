import EtcdClientCore

/// A distributed priority queue. Compatible with the Go recipe (`contrib/recipes.PriorityQueue`): an item of priority
/// `p` is the key `name/<p, 5 digits>/<sequence, 16 digits>`, and consumers take the lowest key: the lowest priority
/// number first, and first in, first out within one priority.
public final class EtcdPriorityQueue: Sendable {
    /// The client the queue uses.
    public let client: EtcdClient
    /// The prefix of the items' keys: the name and a `/`.
    public let prefix: EtcdKey
    private let name: String
    private let claims: QueueClaim

    /// Creates the priority queue `name`.
    public init(client: EtcdClient, name: String) {
        self.client = client
        self.name = name
        self.prefix = EtcdKey(name + "/")
        self.claims = QueueClaim(prefix: prefix, order: nil, client: client)
    }

    /// Adds `value` with `priority`: items of a lower number are handed out first.
    ///
    /// The next sequence number of the priority is taken from its last item, and the write fails over to a new one
    /// when another producer took it meanwhile (the Go recipe's guard key `__name/<p>` records each write).
    ///
    /// - Returns: the item's key.
    /// - Throws: `EtcdError` (`.malformedResponse` when a key under the priority is not in the recipe's layout);
    ///   `CancellationError`.
    @discardableResult
    public func enqueue(_ value: some EtcdValueRepresentable, priority: UInt16) async throws -> EtcdKey {
        let level = name + "/" + Self.padded(Int(priority), to: 5)
        let guardKey = EtcdKey("__" + level)
        while true {
            let last = try await client.get(
                .prefix(EtcdKey(level)),
                limit: 1,
                sort: .descending(by: .key),
                keysOnly: true
            )
            var sequence = 0
            if let key = last.keyValues.first?.key.stringValue {
                guard let number = key.split(separator: "/").last.flatMap({ Int($0) }) else {
                    throw EtcdError(.malformedResponse, message: "\(key) is not a priority queue item key")
                }
                sequence = number + 1
            }
            let key = EtcdKey(level + "/" + Self.padded(sequence, to: 16))
            // Unchanged guard since our read: no other producer took this sequence number.
            let write = try await client.txn(
                if: [.modRevision(guardKey, .less, last.header.revision + 1)],
                then: [.put(guardKey, value: ""), .put(key, value: value)]
            )
            if write.succeeded { return key }
        }
    }

    /// Takes the item with the lowest key, waiting for one when the queue is empty.
    ///
    /// - Returns: the item taken (its key, value and revisions); it is deleted from the queue.
    /// - Throws: `EtcdError` (a claim whose answer was lost, `.outcomeUnknown`, may have taken the item);
    ///   `CancellationError` before an item was taken (an item taken is returned, not lost to cancellation).
    public func dequeue() async throws -> EtcdKeyValue {
        try await claims.dequeue()
    }

    private static func padded(_ number: Int, to width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
