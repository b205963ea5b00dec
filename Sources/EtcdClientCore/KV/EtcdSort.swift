/// How a range's results are sorted.
public struct EtcdSort: Hashable, Sendable {
    /// What to sort by.
    public enum Target: Hashable, Sendable {
        /// The key's bytes.
        case key
        /// The key's version.
        case version
        /// The key's creation revision.
        case createRevision
        /// The key's modification revision.
        case modRevision
        /// The value's bytes.
        case value
    }

    /// The direction.
    public enum Order: Hashable, Sendable {
        /// Smallest first.
        case ascending
        /// Largest first.
        case descending
    }

    /// What to sort by.
    public var target: Target
    /// The direction.
    public var order: Order

    /// Creates a sort.
    public init(target: Target, order: Order) {
        self.target = target
        self.order = order
    }

    /// Smallest first, by `target`.
    public static func ascending(by target: Target) -> EtcdSort { EtcdSort(target: target, order: .ascending) }

    /// Largest first, by `target`.
    public static func descending(by target: Target) -> EtcdSort { EtcdSort(target: target, order: .descending) }
}

/// How a read is served.
public enum EtcdConsistency: Hashable, Sendable {
    /// Through the raft leader: sees every write that completed before it (the default).
    case linearizable
    /// By the member that receives it, from its local state: faster, may be stale.
    case serializable
}

/// Bounds on a revision: a key matches when its revision is within them.
public struct EtcdRevisionBounds: Hashable, Sendable {
    /// The smallest revision that matches, if bounded below.
    public var minimum: Int64?
    /// The largest revision that matches, if bounded above.
    public var maximum: Int64?

    /// Creates bounds; `nil` leaves that side open.
    public init(minimum: Int64? = nil, maximum: Int64? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Revisions of at least `revision`.
    public static func atLeast(_ revision: Int64) -> EtcdRevisionBounds { EtcdRevisionBounds(minimum: revision) }

    /// Revisions of at most `revision`.
    public static func atMost(_ revision: Int64) -> EtcdRevisionBounds { EtcdRevisionBounds(maximum: revision) }

    /// Revisions within `range`.
    public static func within(_ range: ClosedRange<Int64>) -> EtcdRevisionBounds {
        EtcdRevisionBounds(minimum: range.lowerBound, maximum: range.upperBound)
    }
}
