import EtcdClientCore

/// The wait shared by the mutex and the election: until every key under the prefix that was created before
/// ours is deleted. Same keys and order as the Go recipes; a faster wait.
///
/// The Go recipe watches the predecessor from the revision of the read that found it. etcd serves a watch
/// whose start revision it already has from its "unsynced" group, which a loop visits every 100 ms, so
/// each hand-off waits for that loop. Here the watch starts from "now", which etcd serves on its synced
/// path the moment the deletion commits, and the key is read again once the watch exists, so a deletion in
/// between is not missed.
enum PredecessorWait {
    /// Waits until no key under `prefix` has a creation revision below `revision`.
    ///
    /// - Returns: the header of the last read, which saw no predecessor.
    static func waitForPredecessors(
        of revision: Int64,
        under prefix: EtcdKey,
        client: EtcdClient
    ) async throws -> EtcdResponseHeader {
        while true {
            let predecessors = try await client.get(
                EtcdGetRequest(
                    .prefix(prefix),
                    limit: 1,
                    sort: .descending(by: .createRevision),
                    createRevision: .atMost(revision - 1)
                )
            )
            guard let predecessor = predecessors.keyValues.first else { return predecessors.header }
            try await waitForDeletion(of: predecessor, client: client)
        }
    }

    /// Waits until `keyValue`'s key is deleted, or re-created (a different creation revision is a different
    /// holder, behind us in the queue).
    static func waitForDeletion(of keyValue: EtcdKeyValue, client: EtcdClient) async throws {
        try await client.watch(.key(keyValue.key), filter: .noPut) { deletions in
            guard let current = try await client.get(keyValue.key), current.createRevision == keyValue.createRevision
            else { return }
            for try await response in deletions where !response.events.isEmpty {
                return
            }
        }
    }

    /// Runs `cleanup` even when the calling task is cancelled (a cancelled task's calls fail at once).
    static func uncancellable(_ cleanup: @escaping @Sendable () async throws -> Void) async {
        _ = await Task { try? await cleanup() }.result
    }
}
