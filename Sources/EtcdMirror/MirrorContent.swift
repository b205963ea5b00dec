import EtcdClientCore

/// The keys of a mirrored range at one revision, in key order: what a mirror holds and a snapshot shows. A value
/// type, so a snapshot is a copy that later changes do not touch (copied on the first change after it is taken).
struct MirrorContent: Sendable {
    /// The key-values, by key.
    private(set) var values: [EtcdKey: EtcdKeyValue] = [:]
    /// The keys, in order.
    private(set) var orderedKeys: [EtcdKey] = []
    /// The revision the content reflects.
    var revision: Int64 = 0

    /// Adds a key read by a base sync, after every key added before it.
    mutating func append(_ keyValue: EtcdKeyValue) {
        if let last = orderedKeys.last, !(last < keyValue.key) {
            upsert(keyValue)
            return
        }
        values[keyValue.key] = keyValue
        orderedKeys.append(keyValue.key)
    }

    /// Sets a key's value.
    mutating func upsert(_ keyValue: EtcdKeyValue) {
        if values.updateValue(keyValue, forKey: keyValue.key) == nil {
            orderedKeys.insert(keyValue.key, at: index(of: keyValue.key))
        }
    }

    /// Removes a key.
    ///
    /// - Returns: whether it was there.
    @discardableResult
    mutating func remove(_ key: EtcdKey) -> Bool {
        guard values.removeValue(forKey: key) != nil else { return false }
        orderedKeys.remove(at: index(of: key))
        return true
    }

    /// Applies the events of a watch response: what changed, in order.
    mutating func apply(_ events: [EtcdWatchEvent]) -> [EtcdMirrorChange] {
        var changes: [EtcdMirrorChange] = []
        for event in events {
            switch event.kind {
            case .put:
                upsert(event.keyValue)
                changes.append(.upserted(event.keyValue))
            case .delete:
                if remove(event.keyValue.key) { changes.append(.removed(event.keyValue.key, revision: event.revision)) }
            }
        }
        return changes
    }

    /// What differs from `self` in `newer` (a reload): the keys added or changed, and those gone.
    func difference(to newer: MirrorContent) -> (upserted: [EtcdKeyValue], removed: [EtcdKey]) {
        let upserted = newer.orderedKeys.compactMap { key -> EtcdKeyValue? in
            let value = newer.values[key]
            return value == values[key] ? nil : value
        }
        let removed = orderedKeys.filter { newer.values[$0] == nil }
        return (upserted, removed)
    }

    /// The key-values in `range`, in key order.
    func keyValues(in range: EtcdKeyRange) -> [EtcdKeyValue] {
        positions(of: range).compactMap { values[orderedKeys[$0]] }
    }

    /// How many keys are in `range`.
    func count(in range: EtcdKeyRange) -> Int {
        positions(of: range).count
    }

    /// The positions in ``orderedKeys`` of the keys in `range`.
    private func positions(of range: EtcdKeyRange) -> Range<Int> {
        let first = index(of: EtcdKey(bytes: range.start))
        if range.end.isEmpty {
            return first < orderedKeys.count && orderedKeys[first].bytes == range.start
                ? first..<(first + 1) : first..<first
        }
        if range.end == [0] { return first..<orderedKeys.count }
        return first..<max(first, index(of: EtcdKey(bytes: range.end)))
    }

    /// The position of the first key not below `key`.
    private func index(of key: EtcdKey) -> Int {
        var low = 0
        var high = orderedKeys.count
        while low < high {
            let middle = (low + high) / 2
            if orderedKeys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
