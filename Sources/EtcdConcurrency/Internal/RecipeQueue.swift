import EtcdClientCore

/// The key layout the Go recipes give a lock or an election: each contender's key is `name/` followed by its
/// session's lease ID in lower-case hex, and the key with the lowest creation revision holds or leads.
struct RecipeQueue: Sendable {
    /// The contenders' prefix: the name and a `/`.
    let prefix: EtcdKey

    /// The queue of the lock or election `name`.
    init(name: String) {
        prefix = EtcdKey(name + "/")
    }

    /// The key a contender writes through `session`: the prefix and the lease ID in lower-case hex, unpadded.
    func key(of session: EtcdSession) -> EtcdKey {
        EtcdKey(bytes: prefix.bytes + Array(session.lease.description.utf8))
    }

    /// The read of the holder or leader: the key with the lowest creation revision.
    var head: EtcdGetRequest {
        EtcdGetRequest(.prefix(prefix), limit: 1, sort: .ascending(by: .createRevision))
    }

    /// The read of the contender just ahead of the one created at `revision`.
    func predecessor(of revision: Int64) -> EtcdGetRequest {
        EtcdGetRequest(
            .prefix(prefix),
            limit: 1,
            sort: .descending(by: .createRevision),
            createRevision: .atMost(revision - 1)
        )
    }
}
