import Synchronization
import _EtcdTransport

/// State under a lock, and the one way the recipes and the mirror suspend a task on it: a waiter filed under a
/// token, resumed by whoever changes the state, or taken out again by cancellation.
package final class EtcdWaitingState<State>: Sendable {
    private let state: LockedValue<State>
    private let tokens = Atomic<UInt64>(0)

    /// State that starts as `initial`.
    package init(_ initial: sending State) {
        state = LockedValue(initial)
    }

    /// Runs `body` with the state, under the lock.
    package func withLock<Result>(_ body: (inout sending State) throws -> sending Result) rethrows -> sending Result {
        try state.withLock(body)
    }

    /// Suspends until a waiter that `register` files under a token is resumed, or the task is cancelled.
    ///
    /// `register` runs under the lock: it returns `true` when there is nothing to wait for, `false` after filing the
    /// continuation, or an error. Cancellation is checked under the same lock, so a cancel that came before is seen
    /// there and one that comes after finds the waiter through `withdraw`. `whileWaiting` runs once the waiter is
    /// filed, outside the lock.
    ///
    /// - Throws: what `register` returns, or the waiter is resumed with; `CancellationError`.
    package func suspend(
        register: (inout State, UInt64, CheckedContinuation<Void, any Error>) -> Result<Bool, any Error>,
        withdraw: @escaping @Sendable (inout State, UInt64) -> CheckedContinuation<Void, any Error>?,
        whileWaiting: () -> Void = {}
    ) async throws {
        let token = tokens.add(1, ordering: .relaxed).oldValue
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Bool, any Error> in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    return register(&state, token, continuation)
                }
                switch outcome {
                case .failure(let error): continuation.resume(throwing: error)
                case .success(true): continuation.resume()
                case .success(false): whileWaiting()
                }
            }
        } onCancel: {
            state.withLock { withdraw(&$0, token) }?.resume(throwing: CancellationError())
        }
    }
}
