import EtcdClientCore
import _EtcdTransport

/// The changes waiting for one consumer of a mirror's change stream, at most `limit` of them: when more come, the
/// waiting ones are dropped for a ``EtcdMirrorChange/fellBehind(revision:)``, so that a slow consumer never holds
/// the mirror back and never grows memory.
final class MirrorChangeBuffer: Sendable {
    private struct State {
        var items: [EtcdMirrorChange] = []
        var head = 0
        var waiter: CheckedContinuation<EtcdMirrorChange?, any Error>?
        /// Set when the mirror stopped: `nil` for an end, an error for a failure.
        var end: Result<Void, any Error>?
    }

    private let limit: Int
    private let state = LockedValue(State())

    /// A buffer of at most `limit` changes.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Adds `changes`, made up to `revision`.
    func push(_ changes: [EtcdMirrorChange], revision: Int64) {
        guard !changes.isEmpty else { return }
        let delivery = state.withLock {
            state -> (CheckedContinuation<EtcdMirrorChange?, any Error>, EtcdMirrorChange)? in
            guard state.end == nil else { return nil }
            if state.items.count - state.head + changes.count > limit {
                state.items = [.fellBehind(revision: revision)]
                state.head = 0
            } else {
                state.items.append(contentsOf: changes)
            }
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, take(&state))
        }
        if let (waiter, change) = delivery { waiter.resume(returning: change) }
    }

    /// The mirror stopped: the consumer gets what is buffered, then the end (`.success`) or the error.
    func finish(_ end: Result<Void, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<EtcdMirrorChange?, any Error>? in
            guard state.end == nil else { return nil }
            state.end = end
            defer { state.waiter = nil }
            return state.waiter
        }
        switch end {
        case .success: waiter?.resume(returning: nil)
        case .failure(let error): waiter?.resume(throwing: error)
        }
    }

    /// The next change; `nil` once the mirror stopped.
    ///
    /// - Throws: why the mirror failed; `CancellationError` when the task is cancelled while waiting.
    func next() async throws -> EtcdMirrorChange? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<EtcdMirrorChange?, any Error>) in
                let now = state.withLock { state -> Result<EtcdMirrorChange?, any Error>? in
                    if state.head < state.items.count { return .success(take(&state)) }
                    if let end = state.end { return end.map { nil } }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiter = continuation
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume(throwing: CancellationError())
        }
    }

    private func take(_ state: inout State) -> EtcdMirrorChange {
        let change = state.items[state.head]
        state.head += 1
        if state.head == state.items.count {
            state.items.removeAll(keepingCapacity: true)
            state.head = 0
        }
        return change
    }
}

/// The changes of an ``EtcdPrefixMirror``, for one consumer (see ``EtcdPrefixMirror/changes(bufferSize:isolation:_:)``).
public struct EtcdMirrorChanges: AsyncSequence, Sendable {
    /// A change.
    public typealias Element = EtcdMirrorChange

    let buffer: MirrorChangeBuffer

    /// Makes the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(buffer: buffer)
    }

    /// Takes the changes in order.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: MirrorChangeBuffer

        /// The next change; `nil` once the mirror stopped running.
        ///
        /// - Throws: why the mirror failed; `CancellationError` when the task is cancelled while waiting.
        public mutating func next() async throws -> EtcdMirrorChange? {
            try await buffer.next()
        }
    }
}
