import EtcdClientCore
import Synchronization

/// How both queues hand out an item: read the first items in the queue's order, and claim the first by deleting it
/// only if it is unchanged since read (Go's `claimFirstKey`); a claim that loses to another consumer gets the fresh
/// head of the queue in the same round trip (the transaction's `else`), and an empty queue is waited on with a
/// synced watch.
///
/// Consumers of one queue object in one process do not race for the same item: each claim reserves its item, and the
/// others take the first item not reserved. Order is kept: a reserved item is one that is being taken (a claim that
/// fails means someone else took it), so no consumer later gets an item older than one it already got.
final class QueueClaim: Sendable {
    /// How many items a read brings besides those reserved, so that losing a claim rarely costs a new read.
    private static let batch = 8
    private let prefix: EtcdKey
    private let order: EtcdSort?
    private let client: EtcdClient
    /// The items being claimed by this object's consumers.
    private let reserved = Mutex<Set<EtcdKey>>([])

    /// Claims of the queue under `prefix`, first in `order`.
    init(prefix: EtcdKey, order: EtcdSort?, client: EtcdClient) {
        self.prefix = prefix
        self.order = order
        self.client = client
    }

    /// Takes the first item under `prefix` in `order`, waiting for one when the queue is empty.
    ///
    /// A claim is never lost to cancellation: once a claim's transaction is sent it runs to its end, and an item it
    /// took is returned even when the task was cancelled meanwhile. Cancellation before a claim (or while waiting)
    /// throws `CancellationError` and takes nothing.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    func dequeue() async throws -> EtcdKeyValue {
        if let item = try await claimFirst() { return item }
        return try await RecipeWait.poll(client, watching: .prefix(prefix), filter: .noDelete) {
            try await claimFirst()
        }
    }

    /// Claims the first of `candidates`, moving to the fresh head after each lost claim.
    ///
    /// - Returns: the item claimed, or `nil` when the queue is empty (or holds only items being claimed).
    private func claimFirst() async throws -> EtcdKeyValue? {
        let head = EtcdGetRequest(
            .prefix(prefix),
            limit: Self.batch + reserved.withLock { $0.count },
            sort: order
        )
        var candidates = try await client.get(head).keyValues
        while let candidate = reserve(candidates) {
            defer { _ = reserved.withLock { $0.remove(candidate.key) } }
            try Task.checkCancellation()
            let client = client
            // Not cancelled once sent: a claim that succeeds on the server must reach the caller.
            let claim = Task {
                try await client.txn(
                    if: [.modRevision(candidate.key, .equal, candidate.modRevision)],
                    then: [.delete(candidate.key)],
                    else: [.get(head)]
                )
            }
            let response = try await claim.value
            if response.succeeded { return candidate }
            guard case .get(let fresh)? = response.responses.first else {
                throw EtcdError(.malformedResponse, message: "unexpected queue claim response")
            }
            candidates = fresh.keyValues
        }
        return nil
    }

    /// Reserves the first of `candidates` that no other consumer of this object is claiming.
    private func reserve(_ candidates: [EtcdKeyValue]) -> EtcdKeyValue? {
        reserved.withLock { reserved in
            guard let free = candidates.first(where: { !reserved.contains($0.key) }) else { return nil }
            reserved.insert(free.key)
            return free
        }
    }
}
