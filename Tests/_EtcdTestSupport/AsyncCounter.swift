import EtcdTesting
import _EtcdTransport

/// A counter that tasks can wait on until it reaches a value, without polling.
package final class AsyncCounter: Sendable {
    private struct State {
        var count = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = LockedValue(State())

    /// Creates a counter at zero.
    package init() {}

    /// Adds one, and wakes the waiters whose target is reached.
    package func increment() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count += 1
            let count = state.count
            let ready = state.waiters.filter { $0.target <= count }.map(\.continuation)
            state.waiters.removeAll { $0.target <= count }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// The current count.
    package var value: Int { state.withLock { $0.count } }

    /// Returns once the counter is at least `target`.
    package func wait(for target: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.count >= target { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}
