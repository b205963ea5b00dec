import EtcdClientCore

/// How both queues hand out an item: read the first items in the queue's order, and claim the first by deleting it
/// only if it is unchanged since read (Go's `claimFirstKey`); a claim that loses to another consumer gets the fresh
/// head of the queue in the same round trip (the transaction's `else`), and an empty queue is waited on with a
/// synced watch.
enum QueueClaim {
    /// How many items a read brings, so that losing a claim to another consumer rarely costs a new read.
    private static let batch = 8

    /// Takes the first item under `prefix` in `order`, waiting for one when the queue is empty.
    ///
    /// A claim is never lost to cancellation: once a claim's transaction is sent it runs to its end, and an item it
    /// took is returned even when the task was cancelled meanwhile. Cancellation before a claim (or while waiting)
    /// throws `CancellationError` and takes nothing.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    static func dequeue(from prefix: EtcdKey, order: EtcdSort?, client: EtcdClient) async throws -> EtcdKeyValue {
        let head = EtcdGetRequest(.prefix(prefix), limit: batch, sort: order)
        if let item = try await claimFirst(client.get(head).keyValues, head: head, client: client) { return item }
        return try await RecipeWait.poll(client, watching: .prefix(prefix), filter: .noDelete) {
            try await claimFirst(client.get(head).keyValues, head: head, client: client)
        }
    }

    /// Claims the first of `candidates`, moving to the fresh head after each lost claim.
    ///
    /// - Returns: the item claimed, or `nil` when the queue is empty.
    private static func claimFirst(
        _ candidates: [EtcdKeyValue],
        head: EtcdGetRequest,
        client: EtcdClient
    ) async throws -> EtcdKeyValue? {
        var candidates = candidates
        while let candidate = candidates.first {
            try Task.checkCancellation()
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
}
