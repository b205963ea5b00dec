import EtcdClientCore

/// A change to a mirror's content, as ``EtcdPrefixMirror/changes(bufferSize:isolation:_:)`` reports it.
public enum EtcdMirrorChange: Hashable, Sendable {
    /// A key was created or changed; its modification revision is the revision of the change.
    case upserted(EtcdKeyValue)
    /// A key was deleted (or its lease expired) at `revision`.
    case removed(EtcdKey, revision: Int64)
    /// The content was read again at `revision` (the first sync, or after the revision the mirror needed was
    /// compacted): the keys added or changed since the content before, and those gone.
    case reloaded(upserted: [EtcdKeyValue], removed: [EtcdKey], revision: Int64)
    /// This consumer fell behind: changes up to `revision` were dropped for it (the mirror itself has them). Take a
    /// ``EtcdPrefixMirror/snapshot()`` to catch up; the changes after it follow.
    case fellBehind(revision: Int64)
}
