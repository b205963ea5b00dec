import _EtcdTransport

/// The unstructured tasks a client runs for itself (stream readers, timers, connection retirement, endpoint sync)
/// and for the recipes built on it (session keepers, lock and election feeds), so that closing the client cancels
/// them and returns only once every one has ended.
package final class EtcdBackgroundTasks: Sendable {
    private struct State {
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    private let state = LockedValue(State())

    package init() {}

    /// Starts `body` as a task that ``cancelAndWait()`` waits for.
    ///
    /// - Returns: the task, or `nil` once the tasks were closed: then `body` does not run.
    @discardableResult
    package func start(_ body: @escaping @Sendable () async -> Void) -> Task<Void, Never>? {
        state.withLock { state -> Task<Void, Never>? in
            guard !state.closed else { return nil }
            let id = state.nextID
            state.nextID += 1
            // Created under the lock, so the task's own removal (which takes the lock) always finds it.
            let task = Task {
                await body()
                self.state.withLock { _ = $0.tasks.removeValue(forKey: id) }
            }
            state.tasks[id] = task
            return task
        }
    }

    /// The tasks still running.
    package var count: Int { state.withLock { $0.tasks.count } }

    /// Starts no more tasks, cancels the running ones and returns once they have all ended.
    package func cancelAndWait() async {
        let tasks = state.withLock { state in
            state.closed = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
