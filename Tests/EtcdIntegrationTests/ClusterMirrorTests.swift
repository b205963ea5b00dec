import EtcdClientCore
import EtcdMirror
import EtcdTesting
import Testing
import _EtcdTestSupport

/// The keys and values under `prefix`, with the prefix taken off, for comparing two clusters.
private func contents(_ etcd: EtcdClient, under prefix: String) async throws -> [String: String] {
    let stored = try await etcd.get(.prefix(EtcdKey(prefix)))
    var contents: [String: String] = [:]
    for keyValue in stored.keyValues {
        contents[String((keyValue.key.stringValue ?? "").dropFirst(prefix.count))] = keyValue.stringValue ?? ""
    }
    return contents
}

/// Runs `mirror` in a task while `body` runs with the stream of its progress; cancels it afterwards and waits.
private func running<Result: Sendable>(
    _ mirror: EtcdClusterMirror,
    _ body: (inout AsyncStream<EtcdClusterMirror.Progress>.AsyncIterator) async throws -> Result
) async throws -> Result {
    let (reports, continuation) = AsyncStream<EtcdClusterMirror.Progress>.makeStream()
    let task = Task { try await mirror.run { continuation.yield($0) } }
    defer { task.cancel() }
    var iterator = reports.makeAsyncIterator()
    let result = try await body(&iterator)
    task.cancel()
    await #expect(throws: CancellationError.self) { try await task.value }
    return result
}

/// Reads reports until one applies `revision` or later.
private func waitUntilApplied(
    _ revision: Int64,
    _ reports: inout AsyncStream<EtcdClusterMirror.Progress>.AsyncIterator
) async throws {
    while let report = await reports.next() {
        switch report {
        case .applied(let applied) where applied >= revision: return
        case .synced(let synced, _, _) where synced >= revision: return
        default: continue
        }
    }
}

@Suite("Mirror to another cluster", .timeLimit(.minutes(3)))
struct ClusterMirrorTests {
    @Test("copies a prefix under another one, follows it revision by revision, and resumes after a stop")
    func copyFollowResume() async throws {
        try await withEtcdTestCluster(members: 1) { sourceCluster in
            try await withEtcdTestCluster(members: 1) { destinationCluster in
                try await withEtcdClient(configuration: sourceCluster.clientConfiguration) { source in
                    try await withEtcdClient(configuration: destinationCluster.clientConfiguration) { destination in
                        for index in 0..<300 { try await source.put(EtcdKey("src/\(index)"), value: "v\(index)") }
                        try await source.put("elsewhere", value: "not copied")
                        let mirror = EtcdClusterMirror(
                            source: source,
                            destination: destination,
                            prefix: "src/",
                            destinationPrefix: "dst/"
                        )
                        #expect(mirror.checkpointKey == "__etcd_swift_mirror/dst/")
                        #expect(try await mirror.checkpoint() == nil)
                        try await running(mirror) { reports in
                            let first = await reports.next()
                            guard case .synced(let revision, 300, 0)? = first else {
                                Issue.record("the first sync copies 300 keys, got \(String(describing: first))")
                                return
                            }
                            #expect(try await mirror.checkpoint() == revision)
                            try await source.put("src/0", value: "changed")
                            _ = try await source.txn(
                                if: [],
                                then: [.put("src/new", value: "added"), .delete("src/1"), .put("src/2", value: "two")]
                            )
                            let last = try await source.delete("src/3")
                            try await waitUntilApplied(last.header.revision, &reports)
                        }
                        #expect(try await contents(destination, under: "dst/") == contents(source, under: "src/"))
                        let stopped = try #require(try await mirror.checkpoint())

                        // Stopped; the source goes on; a new run copies only what changed since.
                        for index in 0..<20 { try await source.put(EtcdKey("src/late\(index)"), value: "late") }
                        let last = try await source.delete("src/4")
                        let reports = try await running(mirror) { reports in
                            var seen: [EtcdClusterMirror.Progress] = []
                            while let report = await reports.next() {
                                seen.append(report)
                                if case .applied(let revision) = report, revision >= last.header.revision { break }
                            }
                            return seen
                        }
                        #expect(reports.count == 21, "one report per source revision after the checkpoint, no sync")
                        #expect(
                            reports.allSatisfy {
                                if case .applied(let revision) = $0 { revision > stopped } else { false }
                            }
                        )
                        #expect(try await contents(destination, under: "dst/") == contents(source, under: "src/"))
                        #expect(try await destination.get("elsewhere") == nil)
                    }
                }
            }
        }
    }

    @Test("a checkpoint compacted at the source: one sync that writes only what differs and deletes what is gone")
    func compactedCheckpoint() async throws {
        try await withEtcdTestCluster(members: 1) { sourceCluster in
            try await withEtcdTestCluster(members: 1) { destinationCluster in
                try await withEtcdClient(configuration: sourceCluster.clientConfiguration) { source in
                    try await withEtcdClient(configuration: destinationCluster.clientConfiguration) { destination in
                        for index in 0..<50 { try await source.put(EtcdKey("p/\(index)"), value: "v") }
                        let mirror = EtcdClusterMirror(source: source, destination: destination, prefix: "p/")
                        try await running(mirror) { reports in _ = await reports.next() }
                        for index in 0..<5 { try await source.put(EtcdKey("p/\(index)"), value: "changed") }
                        for index in 5..<8 { try await source.delete(EtcdKey("p/\(index)")) }
                        try await source.put("p/new1", value: "n")
                        let newest = try await source.put("p/new2", value: "n")
                        _ = try await source.compact(revision: newest.header.revision)
                        try await destination.put("p/stray", value: "only in the destination")
                        try await running(mirror) { reports in
                            let report = await reports.next()
                            #expect(report == .synced(revision: newest.header.revision, copied: 7, deleted: 4))
                        }
                        #expect(try await contents(destination, under: "p/") == contents(source, under: "p/"))
                        #expect(try await mirror.checkpoint() == newest.header.revision)
                    }
                }
            }
        }
    }

    @Test("a checkpoint key under the destination prefix is refused before anything is written")
    func checkpointInsidePrefix() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("cluster-mirror")
            let mirror = EtcdClusterMirror(
                source: etcd,
                destination: etcd,
                prefix: EtcdKey(prefix + "a/"),
                destinationPrefix: EtcdKey(prefix + "b/"),
                checkpointKey: EtcdKey(prefix + "b/checkpoint")
            )
            #expect(mirror.source === etcd && mirror.destination === etcd)
            #expect(mirror.prefix == EtcdKey(prefix + "a/") && mirror.destinationPrefix == EtcdKey(prefix + "b/"))
            let refused = await #expect(throws: EtcdError.self) { try await mirror.run() }
            #expect(refused?.code == .invalidArgument)
            let written = try await etcd.count(.prefix(EtcdKey(prefix)))
            #expect(written == 0)
        }
    }
}
