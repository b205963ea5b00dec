import EtcdClientCore

/// The content of an ``EtcdPrefixMirror`` at one revision. Immutable: later changes to the mirror do not show in it.
public struct EtcdMirrorSnapshot: Sendable {
    let content: MirrorContent

    /// The revision the snapshot reflects: the server's content of the range at this revision.
    public var revision: Int64 { content.revision }

    /// How many keys it holds.
    public var count: Int { content.orderedKeys.count }

    /// The key-value of `key`, or `nil` when the key does not exist at this revision.
    public subscript(key: EtcdKey) -> EtcdKeyValue? {
        content.values[key]
    }

    /// The key-values in `range` (by default, all those held), in key order.
    public func keyValues(in range: EtcdKeyRange = .all) -> [EtcdKeyValue] {
        content.keyValues(in: range)
    }

    /// How many keys of `range` it holds.
    public func count(in range: EtcdKeyRange) -> Int {
        content.count(in: range)
    }
}
