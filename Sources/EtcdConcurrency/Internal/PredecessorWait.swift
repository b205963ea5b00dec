import EtcdClientCore

/// The wait shared by the mutex and the election: until every key under the prefix that was created before
/// ours is deleted. Same keys and order as the Go recipes; a faster wait.
///
/// The Go recipe watches the predecessor from the revision of the read that found it. etcd serves a watch
/// whose start revision it already has from its "unsynced" group, which a loop visits every 100 ms, so
/// each hand-off waits for that loop (40 hand-offs per second). Here the deletion is seen through a watch of
/// the prefix that is already running and synced (see ``PrefixDeletionFeed``).
enum PredecessorWait {
    /// Waits until no key of `queue` has a creation revision below `revision`.
    ///
    /// Each round reads the newest such key (as the Go recipe does) and waits for its deletion through `feed`,
    /// a watch of the prefix that already runs, so the deletion is seen as it commits.
    ///
    /// - Returns: the header of the last read, which saw no predecessor.
    static func waitForPredecessors(
        of revision: Int64,
        in queue: RecipeQueue,
        client: EtcdClient,
        feed: PrefixDeletionFeed
    ) async throws -> EtcdResponseHeader {
        try await feed.whileRunning {
            while true {
                // Read after the feed's watch exists: a deletion after this read is seen by the watch.
                let predecessors = try await client.get(queue.predecessor(of: revision))
                guard let predecessor = predecessors.keyValues.first else { return predecessors.header }
                try await feed.waitForDeletion(of: predecessor.key, aliveAt: predecessors.header.revision)
            }
        }
    }
}
