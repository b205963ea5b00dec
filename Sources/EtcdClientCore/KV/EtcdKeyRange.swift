/// Which keys a request covers: one key, a prefix, a half-open range, every key from one on, or all keys.
///
/// etcd describes a range by a start key and an end key (`range_end`); this type computes the end
/// for you, including the corner cases of prefixes that end in `0xFF` bytes.
public struct EtcdKeyRange: Hashable, Sendable, CustomStringConvertible {
    /// The first key of the range (`key` in the etcd API).
    public let start: [UInt8]
    /// The end of the range, exclusive (`range_end`): empty for a single key, `[0]` for "to the end".
    public let end: [UInt8]

    private init(start: [UInt8], end: [UInt8]) {
        self.start = start
        self.end = end
    }

    /// Exactly one key.
    public static func key(_ key: EtcdKey) -> EtcdKeyRange {
        EtcdKeyRange(start: key.bytes, end: [])
    }

    /// Every key that begins with `prefix`. An empty prefix covers every key.
    public static func prefix(_ prefix: EtcdKey) -> EtcdKeyRange {
        if prefix.bytes.isEmpty { return all }
        return EtcdKeyRange(start: prefix.bytes, end: prefixEnd(of: prefix.bytes))
    }

    /// The keys from `lowerBound` (included) up to `upperBound` (excluded).
    ///
    /// An empty lower bound stands for the first possible key (`\0`), since etcd has no empty key; an empty upper
    /// bound stands for the end of the key space, as in ``from(_:)`` (never for "just the lower bound").
    /// A call with an upper bound before the lower bound fails with ``EtcdError/Code/invalidArgument`` before
    /// anything is sent (etcd would read it as an empty range).
    public static func range(from lowerBound: EtcdKey, to upperBound: EtcdKey) -> EtcdKeyRange {
        EtcdKeyRange(
            start: lowerBound.bytes.isEmpty ? [0] : lowerBound.bytes,
            end: upperBound.bytes.isEmpty ? [0] : upperBound.bytes
        )
    }

    /// Every key from `key` on (included), to the end of the key space.
    public static func from(_ key: EtcdKey) -> EtcdKeyRange {
        EtcdKeyRange(start: key.bytes.isEmpty ? [0] : key.bytes, end: [0])
    }

    /// Every key.
    public static let all = EtcdKeyRange(start: [0], end: [0])

    /// A range exactly as etcd sent it.
    package static func raw(start: [UInt8], end: [UInt8]) -> EtcdKeyRange {
        EtcdKeyRange(start: start, end: end)
    }

    /// The smallest key greater than every key with this prefix, as etcd's `range_end` for a prefix.
    ///
    /// Trailing `0xFF` bytes are dropped and the last remaining byte incremented; a prefix made only
    /// of `0xFF` bytes has no such key, and gets `[0]`, which etcd reads as "to the end".
    static func prefixEnd(of prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    /// Whether `key` is in the range.
    public func contains(_ key: EtcdKey) -> Bool {
        if end.isEmpty { return key.bytes == start }
        guard !key.bytes.lexicographicallyPrecedes(start) else { return false }
        return end == [0] || key.bytes.lexicographicallyPrecedes(end)
    }

    /// The range in etcd's terms, for logs. Keys are shown, never values.
    public var description: String {
        let startKey = EtcdKey(bytes: start)
        if end.isEmpty { return "key \(startKey)" }
        if end == [0] { return start == [0] ? "all keys" : "keys from \(startKey)" }
        if end == Self.prefixEnd(of: start) { return "prefix \(startKey)" }
        return "keys from \(startKey) to \(EtcdKey(bytes: end))"
    }
}
