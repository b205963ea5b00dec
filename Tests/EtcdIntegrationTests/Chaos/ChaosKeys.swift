import EtcdClientCore

/// The keys of a chaos run: writes spread over 16 buckets, which the watchers' ranges overlap.
enum ChaosKeys {
    /// Everything the run writes.
    static let root = "chaos/"
    /// The writers' keys and the end markers, which the mirror follows.
    static let written = "chaos/k/"
    static let bucketCount = 16
    /// The key every mutex holder writes, fenced by its ownership.
    static let lockFence: EtcdKey = "chaos/fence"
    static let lockName = "chaos/lock"
    /// The key every election leader writes, fenced by its leadership.
    static let leaderFence: EtcdKey = "chaos/leader"
    static let electionName = "chaos/election"
    /// The key attached to the kept-alive lease.
    static let leased: EtcdKey = "chaos/leased"

    /// The prefix of bucket `index` (0 to 16; 16 ends the last bucket's range).
    static func bucket(_ index: Int) -> String {
        written + (index < 10 ? "0\(index)" : "\(index)") + "/"
    }

    /// Write number `sequence` of writer `writer`: a key no other write uses.
    static func write(writer: Int, sequence: Int) -> String {
        bucket(sequence % bucketCount) + "\(writer)-\(sequence)"
    }

    /// The marker written into bucket `index` after the load, which sorts after every write in it.
    static func endMarker(_ index: Int) -> String {
        bucket(index) + "~end"
    }

    /// The range of buckets `lower..<upper`.
    static func range(buckets lower: Int, _ upper: Int) -> EtcdKeyRange {
        .range(from: EtcdKey(bucket(lower)), to: EtcdKey(bucket(upper)))
    }
}
