import EtcdClientCore

/// Copies a prefix of one cluster into another, then follows its changes: Go's `etcdctl make-mirror`, restartable.
///
/// The destination holds a checkpoint, the source revision applied, written in the same transaction as the data of
/// that revision; a mirror that stopped resumes after it instead of copying everything again. When there is no
/// checkpoint, or the source compacted the revision after it, the mirror syncs again: it reads the source at one
/// revision and the destination, writes only the keys whose values differ, deletes the keys the source no longer
/// has, then writes the checkpoint. Each source revision is applied as one transaction (one per 100 operations
/// when a source revision holds more, the checkpoint in the last). Leases are not copied, as in Go.
public struct EtcdClusterMirror: Sendable {
    /// What a mirror reports as it goes.
    public enum Progress: Hashable, Sendable {
        /// A sync ended at source revision `revision`: `copied` keys were written and `deleted` removed (the keys
        /// already equal were left alone).
        case synced(revision: Int64, copied: Int, deleted: Int)
        /// The changes of source revision `revision` were applied.
        case applied(revision: Int64)
    }

    /// The most operations a transaction of the mirror holds (etcd's default limit is 128).
    static let operationsPerTransaction = 100

    /// The client of the source cluster.
    public let source: EtcdClient
    /// The client of the destination cluster.
    public let destination: EtcdClient
    /// The source prefix.
    public let prefix: EtcdKey
    /// The destination prefix, which takes the place of ``prefix`` in each key.
    public let destinationPrefix: EtcdKey
    /// The destination key that holds the checkpoint.
    public let checkpointKey: EtcdKey

    /// A mirror of `prefix` from `source` into `destination`.
    ///
    /// - Parameters:
    ///   - source: the cluster to copy from.
    ///   - destination: the cluster to copy into.
    ///   - prefix: the keys to copy.
    ///   - destinationPrefix: the prefix in the destination; `nil` (the default) keeps `prefix`.
    ///   - checkpointKey: where the checkpoint goes in the destination; `nil` (the default) is
    ///     `__etcd_swift_mirror/` followed by the destination prefix. It must lie outside the destination prefix.
    public init(
        source: EtcdClient,
        destination: EtcdClient,
        prefix: EtcdKey,
        destinationPrefix: EtcdKey? = nil,
        checkpointKey: EtcdKey? = nil
    ) {
        self.source = source
        self.destination = destination
        self.prefix = prefix
        let destinationPrefix = destinationPrefix ?? prefix
        self.destinationPrefix = destinationPrefix
        self.checkpointKey =
            checkpointKey ?? EtcdKey(bytes: Array("__etcd_swift_mirror/".utf8) + destinationPrefix.bytes)
    }

    /// The source revision the destination holds, from its checkpoint; `nil` before the first sync.
    ///
    /// - Throws: `EtcdError`; `CancellationError`.
    public func checkpoint() async throws -> Int64? {
        guard let stored = try await destination.get(checkpointKey) else { return nil }
        guard let text = stored.stringValue, let revision = Int64(text) else {
            throw EtcdError(.malformedResponse, message: "the mirror checkpoint \(checkpointKey) is not a revision")
        }
        return revision
    }

    /// Syncs if needed, then follows the source until the task is cancelled.
    ///
    /// Transient failures of either cluster are retried (100 ms to 2 s), resuming after the checkpoint.
    ///
    /// - Parameter progress: told of each sync and each source revision applied.
    /// - Throws: `EtcdError` for a failure that retrying does not cure (`.invalidArgument` when the checkpoint
    ///   lies under the destination prefix, `.permissionDenied`, ...); `CancellationError` when cancelled.
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) async throws {
        if EtcdKeyRange.prefix(destinationPrefix).contains(checkpointKey) {
            throw EtcdError(
                .invalidArgument,
                message: "the checkpoint \(checkpointKey) lies under the destination prefix \(destinationPrefix)",
                requestNotSent: true
            )
        }
        var retry = MirrorRetry()
        var needsSync = false
        while true {
            try Task.checkCancellation()
            do {
                let applied: Int64
                if !needsSync, let resumeAfter = try await checkpoint() {
                    applied = resumeAfter
                } else {
                    applied = try await sync(progress: progress)
                    needsSync = false
                }
                retry.reset()
                try await follow(after: applied, progress: progress)
            } catch let error as EtcdError where error.code == .compacted {
                // The source no longer has the changes after the checkpoint.
                needsSync = true
            } catch let error as EtcdError where MirrorRetry.isTransient(error) {
                try await retry.wait()
            }
        }
    }

    /// Copies the source at its current revision over the destination, writing only what differs.
    ///
    /// - Returns: the source revision synced, now the checkpoint.
    @discardableResult
    func sync(progress: @Sendable (Progress) -> Void) async throws -> Int64 {
        var existing: [EtcdKey: [UInt8]] = [:]
        for try await page in EtcdSyncer(client: destination, range: .prefix(destinationPrefix)).basePages() {
            for keyValue in page.keyValues { existing[keyValue.key] = keyValue.value }
        }
        var pending: [EtcdOperation] = []
        var copied = 0
        var revision: Int64 = 0
        for try await page in EtcdSyncer(client: source, range: .prefix(prefix)).basePages() {
            revision = page.revision
            for keyValue in page.keyValues {
                let key = destinationKey(keyValue.key)
                if existing.removeValue(forKey: key) != keyValue.value {
                    pending.append(.put(key, value: keyValue.value))
                    copied += 1
                }
                if pending.count == Self.operationsPerTransaction { try await apply(&pending) }
            }
        }
        let gone = existing.keys.sorted()
        for key in gone {
            pending.append(.delete(key))
            if pending.count == Self.operationsPerTransaction { try await apply(&pending) }
        }
        try await apply(&pending, checkpoint: revision)
        progress(.synced(revision: revision, copied: copied, deleted: gone.count))
        return revision
    }

    /// Applies the source's changes after `revision`, one transaction per source revision.
    private func follow(after revision: Int64, progress: @Sendable (Progress) -> Void) async throws {
        try await EtcdSyncer(client: source, range: .prefix(prefix)).updates(after: revision) { responses in
            for try await response in responses {
                var pending: [EtcdOperation] = []
                var current: Int64?
                for event in response.events {
                    if let current, event.revision != current {
                        try await apply(&pending, checkpoint: current)
                        progress(.applied(revision: current))
                    }
                    current = event.revision
                    let key = destinationKey(event.keyValue.key)
                    pending.append(event.kind == .put ? .put(key, value: event.keyValue.value) : .delete(key))
                    if pending.count == Self.operationsPerTransaction { try await apply(&pending) }
                }
                if let current {
                    try await apply(&pending, checkpoint: current)
                    progress(.applied(revision: current))
                }
            }
        }
    }

    /// Writes `operations` (and the checkpoint, if given) in one transaction, and empties them.
    private func apply(_ operations: inout [EtcdOperation], checkpoint: Int64? = nil) async throws {
        var all = operations
        if let checkpoint { all.append(.put(checkpointKey, value: String(checkpoint))) }
        operations = []
        guard !all.isEmpty else { return }
        _ = try await destination.txn(if: [], then: all)
    }

    /// The destination key of source key `key`.
    private func destinationKey(_ key: EtcdKey) -> EtcdKey {
        EtcdKey(bytes: destinationPrefix.bytes + key.bytes.dropFirst(prefix.bytes.count))
    }
}
