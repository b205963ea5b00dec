import Synchronization

/// The newest store revision this client has seen in a key-value response: a serializable read answered from
/// an older revision comes from a member that is behind, and would take the caller back in time.
final class RevisionFloor: Sendable {
    private let revision = Atomic<Int64>(0)

    /// The newest revision seen so far (0 before any response).
    var value: Int64 { revision.load(ordering: .acquiring) }

    /// Records a response's revision, keeping the newest; a response without a header changes nothing.
    func raise(to newRevision: Int64?) {
        guard let newRevision else { return }
        _ = revision.max(newRevision, ordering: .acquiringAndReleasing)
    }

    /// Why an answer at `revision` cannot be used when `floor` was seen before the read started, or `nil` when
    /// it is as new or newer (or carries no revision to judge).
    static func staleness(of revision: Int64?, below floor: Int64) -> String? {
        guard let revision, revision < floor else { return nil }
        return "answered at revision \(revision), older than revision \(floor) already seen"
    }
}
