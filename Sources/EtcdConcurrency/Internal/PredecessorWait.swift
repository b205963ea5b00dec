import EtcdClientCore

/// The wait shared by the mutex, the election and the read-write lock: until no key that a read finds (the keys
/// created before ours that stand in our way) is left. Same keys and order as the Go recipes; a faster wait.
///
/// The Go recipe watches the predecessor from the revision of the read that found it. etcd serves a watch
/// whose start revision it already has from its "unsynced" group, which a loop visits every 100 ms, so
/// each hand-off waits for that loop (40 hand-offs per second). Here the deletion is seen through a watch of
/// the prefix that is already running and synced (see ``PrefixDeletionFeed``).
enum PredecessorWait {
    /// Waits until `predecessors` (a read of the newest key in our way: limit 1, descending creation revision,
    /// under the prefix that `feed` watches) finds nothing.
    ///
    /// Each round reads the newest such key (as the Go recipes do) and waits for its deletion through `feed`,
    /// a watch of the prefix that already runs, so the deletion is seen as it commits.
    ///
    /// - Returns: the header of the last read, which saw no predecessor.
    static func waitForPredecessors(
        reading request: EtcdGetRequest,
        client: EtcdClient,
        feed: PrefixDeletionFeed
    ) async throws -> EtcdResponseHeader {
        try await feed.whileRunning {
            while true {
                // Read after the feed's watch exists: a deletion after this read is seen by the watch.
                let predecessors = try await client.get(request)
                guard let predecessor = predecessors.keyValues.first else { return predecessors.header }
                try await feed.waitForDeletion(of: predecessor.key, aliveAt: predecessors.header.revision)
            }
        }
    }
}
