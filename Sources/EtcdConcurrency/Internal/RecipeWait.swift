import EtcdClientCore

/// How the recipes without a long-lived feed (barriers, queues) wait for a change: a watch of the keys opened from
/// now, then a poll, and the poll again after each change the watch reports.
///
/// The Go recipes watch from the revision of their last read; etcd serves a watch that starts in the past from its
/// "unsynced" group, visited every 100 ms, so each wait costs up to 100 ms more. A watch from now is synced and
/// sees each change as it commits; reading after it exists loses no change in between.
enum RecipeWait {
    /// Returns what `poll` returns once it returns something, polling first once the watch of `range` exists, then
    /// after each response with events.
    ///
    /// - Throws: what `poll` throws; `EtcdError` when the watch cannot be created or ends; `CancellationError`.
    static func poll<Result>(
        _ client: EtcdClient,
        watching range: EtcdKeyRange,
        filter: EtcdWatchFilter = [],
        until poll: () async throws -> Result?
    ) async throws -> Result {
        try await client.watch(range, filter: filter) { responses in
            if let result = try await poll() { return result }
            for try await response in responses where !response.events.isEmpty {
                if let result = try await poll() { return result }
            }
            try Task.checkCancellation()
            throw EtcdError(.watchCancelled, message: "the watch of \(range) ended")
        }
    }

    /// Returns once `key` does not exist.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    static func untilDeleted(_ key: EtcdKey, client: EtcdClient) async throws {
        try await poll(client, watching: .key(key), filter: .noPut) {
            try await client.get(EtcdGetRequest(.key(key), output: .countOnly)).count == 0 ? () : nil
        }
    }
}
