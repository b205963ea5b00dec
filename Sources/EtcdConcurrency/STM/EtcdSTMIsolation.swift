/// How the reads of an STM transaction are isolated from concurrent writers: the four levels of the Go recipe
/// (`concurrency.Isolation`), with its exact compares.
public enum EtcdSTMIsolation: Sendable, Hashable, CaseIterable {
    /// Every read at the revision of the first read, and the commit fails if a key read changed since it was read
    /// or a key written changed after that first revision: no lost update, no write skew. The default.
    case serializableSnapshot
    /// Every read at the revision of the first read; the commit fails if a key read changed since it was read.
    case serializable
    /// A key read twice in an attempt reads the same; the commit fails if a key read changed since it was read.
    /// Different keys may be read at different revisions.
    case repeatableReads
    /// Reads see whatever is committed, and the commit checks nothing: updates from concurrent transactions can be
    /// lost. For reads that need no consistency, and to show what the other levels prevent.
    case readCommitted
}
