import EtcdClientCore
import _EtcdTransport

/// How both queues hand out an item: read the first items in the queue's order, and claim the first by deleting it
/// only if it is unchanged since read (Go's `claimFirstKey`); a claim that loses to another consumer gets the fresh
/// head of the queue in the same round trip (the transaction's `else`), and an empty queue is waited on with a
/// synced watch.
///
/// Consumers of one queue object in one process do not race for the same item: each claim reserves its item, and the
/// others take the first item not reserved; when only reserved items are left, they wait for those claims to end.
/// Order is kept: a reserved item is one that is being taken (a claim that loses means someone else took it), so no
/// consumer later gets an item older than one it already got, unless a claim fails with an error and leaves its item.
final class QueueClaim: Sendable {
    /// What one look at the head of the queue found.
    private enum Claim {
        case item(EtcdKeyValue)
        case empty
        /// Only items that other consumers of this object are claiming; `generation` is the count of ended claims.
        case onlyReserved(generation: UInt64)
    }

    private struct State {
        /// The items being claimed by this object's consumers.
        var reserved: Set<EtcdKey> = []
        /// How many claims have ended.
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextToken: UInt64 = 0
    }

    /// How many items a read brings besides those reserved, so that losing a claim rarely costs a new read.
    private static let batch = 8
    private let prefix: EtcdKey
    private let order: EtcdSort?
    private let client: EtcdClient
    private let state = LockedValue(State())

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
        if let item = try await claimOrWaitForOthers() { return item }
        return try await RecipeWait.poll(client, watching: .prefix(prefix), filter: .noDelete) {
            try await claimOrWaitForOthers()
        }
    }

    /// Claims an item; while the only ones left are being claimed by this object's other consumers, waits for those
    /// claims to end (one that fails leaves its item, which no change in etcd would announce).
    ///
    /// - Returns: the item claimed, or `nil` when the queue is empty.
    private func claimOrWaitForOthers() async throws -> EtcdKeyValue? {
        while true {
            switch try await claimFirst() {
            case .item(let item): return item
            case .empty: return nil
            case .onlyReserved(let generation): try await waitForClaimsToEnd(after: generation)
            }
        }
    }

    /// Claims the first item not reserved, moving to the fresh head after each lost claim.
    private func claimFirst() async throws -> Claim {
        let head = EtcdGetRequest(
            .prefix(prefix),
            limit: Self.batch + state.withLock { $0.reserved.count },
            sort: order
        )
        var candidates = try await client.get(head).keyValues
        while true {
            let (next, generation) = reserve(candidates)
            guard let candidate = next else {
                return candidates.isEmpty ? .empty : .onlyReserved(generation: generation)
            }
            defer { endClaim(of: candidate.key) }
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
            if response.succeeded { return .item(candidate) }
            guard case .get(let fresh)? = response.responses.first else {
                throw EtcdError(.malformedResponse, message: "unexpected queue claim response")
            }
            candidates = fresh.keyValues
        }
    }

    /// Reserves the first of `candidates` that no other consumer of this object is claiming.
    ///
    /// - Returns: the item reserved, if any, and how many claims had ended.
    private func reserve(_ candidates: [EtcdKeyValue]) -> (EtcdKeyValue?, UInt64) {
        state.withLock { state in
            guard let free = candidates.first(where: { !state.reserved.contains($0.key) }) else {
                return (nil, state.generation)
            }
            state.reserved.insert(free.key)
            return (free, state.generation)
        }
    }

    /// A claim of `key` ended, taken or not: its consumers waiting for it look again.
    private func endClaim(of key: EtcdKey) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.reserved.remove(key)
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a claim ended after `generation` claims had, or throws when the task is cancelled.
    private func waitForClaimsToEnd(after generation: UInt64) async throws {
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    guard state.generation == generation, !Task.isCancelled else { return false }
                    state.waiters[token] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: token) }?.resume()
        }
        try Task.checkCancellation()
    }
}
