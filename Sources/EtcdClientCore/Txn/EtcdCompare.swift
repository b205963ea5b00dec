import _EtcdWire

/// One condition of a transaction: a key's value, version, creation or modification revision,
/// or lease, compared with a given one.
///
/// Write it in the explicit form, such as `.version("k", .equal, 0)` or `.missing("k")`. A compare over a key
/// range (etcd 3.3 and later), such as `.modRevision(.prefix("jobs/"), .less, revision)`, holds when it holds for
/// every key in the range; a range with no key compares as one missing key (version, revisions and lease 0, and a
/// value compare fails).
public struct EtcdCompare: Hashable, Sendable {
    /// How the key's current property compares with the given one.
    public enum Operator: Hashable, Sendable {
        /// Equal.
        case equal
        /// Not equal.
        case notEqual
        /// The key's property is less than the given one.
        case less
        /// The key's property is greater than the given one.
        case greater
    }

    enum Target: Hashable, Sendable {
        case value([UInt8])
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
        case lease(Int64)
    }

    /// The key, or the keys, compared.
    let range: EtcdKeyRange
    let comparison: Operator
    let target: Target

    /// Compares the key's value (a missing key has no value and never matches).
    public static func value(
        _ key: EtcdKey,
        _ comparison: Operator,
        _ value: some EtcdValueRepresentable
    ) -> EtcdCompare {
        EtcdCompare(range: .key(key), comparison: comparison, target: .value(value.etcdValueBytes))
    }

    /// Compares the key's version (0 for a missing key).
    public static func version(_ key: EtcdKey, _ comparison: Operator, _ version: Int64) -> EtcdCompare {
        EtcdCompare(range: .key(key), comparison: comparison, target: .version(version))
    }

    /// Compares the key's creation revision (0 for a missing key).
    public static func createRevision(_ key: EtcdKey, _ comparison: Operator, _ revision: Int64) -> EtcdCompare {
        EtcdCompare(range: .key(key), comparison: comparison, target: .createRevision(revision))
    }

    /// Compares the key's last modification revision (0 for a missing key).
    public static func modRevision(_ key: EtcdKey, _ comparison: Operator, _ revision: Int64) -> EtcdCompare {
        EtcdCompare(range: .key(key), comparison: comparison, target: .modRevision(revision))
    }

    /// Compares the key's lease (`nil` stands for no lease).
    public static func lease(_ key: EtcdKey, _ comparison: Operator, _ lease: EtcdLeaseID?) -> EtcdCompare {
        EtcdCompare(range: .key(key), comparison: comparison, target: .lease(lease?.rawValue ?? 0))
    }

    /// Compares the value of every key in `range` (an empty range has no value and never matches).
    public static func value(
        _ range: EtcdKeyRange,
        _ comparison: Operator,
        _ value: some EtcdValueRepresentable
    ) -> EtcdCompare {
        EtcdCompare(range: range, comparison: comparison, target: .value(value.etcdValueBytes))
    }

    /// Compares the version of every key in `range`.
    public static func version(_ range: EtcdKeyRange, _ comparison: Operator, _ version: Int64) -> EtcdCompare {
        EtcdCompare(range: range, comparison: comparison, target: .version(version))
    }

    /// Compares the creation revision of every key in `range`.
    public static func createRevision(
        _ range: EtcdKeyRange,
        _ comparison: Operator,
        _ revision: Int64
    ) -> EtcdCompare {
        EtcdCompare(range: range, comparison: comparison, target: .createRevision(revision))
    }

    /// Compares the last modification revision of every key in `range`; `.modRevision(.prefix(p),
    /// .less, r)` holds when no key under `p` changed since `r`.
    public static func modRevision(_ range: EtcdKeyRange, _ comparison: Operator, _ revision: Int64) -> EtcdCompare {
        EtcdCompare(range: range, comparison: comparison, target: .modRevision(revision))
    }

    /// Compares the lease of every key in `range` (`nil` stands for no lease).
    public static func lease(_ range: EtcdKeyRange, _ comparison: Operator, _ lease: EtcdLeaseID?) -> EtcdCompare {
        EtcdCompare(range: range, comparison: comparison, target: .lease(lease?.rawValue ?? 0))
    }

    /// True when the key does not exist: its creation revision is 0.
    public static func missing(_ key: EtcdKey) -> EtcdCompare {
        .createRevision(key, .equal, 0)
    }

    /// True when the key exists: its creation revision is greater than 0.
    public static func exists(_ key: EtcdKey) -> EtcdCompare {
        .createRevision(key, .greater, 0)
    }

    var message: EtcdserverPB.Compare {
        var compare = EtcdserverPB.Compare()
        compare.key = range.start
        compare.rangeEnd = range.end
        switch comparison {
        case .equal: compare.result = .equal
        case .notEqual: compare.result = .notEqual
        case .less: compare.result = .less
        case .greater: compare.result = .greater
        }
        switch target {
        case .value(let value):
            compare.target = .value
            compare.targetUnion = .value(value)
        case .version(let version):
            compare.target = .version
            compare.targetUnion = .version(version)
        case .createRevision(let revision):
            compare.target = .create
            compare.targetUnion = .createRevision(revision)
        case .modRevision(let revision):
            compare.target = .mod
            compare.targetUnion = .modRevision(revision)
        case .lease(let lease):
            compare.target = .lease
            compare.targetUnion = .lease(lease)
        }
        return compare
    }
}
