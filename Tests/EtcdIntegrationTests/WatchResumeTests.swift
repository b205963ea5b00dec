import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

/// Watches across faults: each test has its own etcd, since it kills, cuts or counts.
@Suite("Watches survive faults", .timeLimit(.minutes(3)))
struct WatchResumeTests {
    /// Writes `count` new keys under `prefix`, each with a create-if-absent transaction so that a retried write
    /// never makes a second revision; retries while etcd is unreachable. Calls `progress` after each key.
    private func writeKeys(
        _ etcd: EtcdClient,
        prefix: String,
        count: Int,
        progress: (Int) async throws -> Void
    ) async throws {
        for index in 0..<count {
            let key = EtcdKey(prefix + String(index))
            while true {
                do {
                    _ = try await etcd.txn(if: [.missing(key)], then: [.put(key, value: "\(index)")])
                    break
                } catch let error as EtcdError where error.code == .connectionFailed || error.code == .unavailable {
                    try await Task.sleep(for: .milliseconds(20))  // etcd is restarting: pace the retries
                }
            }
            try await progress(index + 1)
        }
    }

    @Test("10,000 writes while etcd is killed and restarted twice: every revision exactly once, in order")
    func killAndRestartTwice() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            let member = cluster.members[0]
            let configuration = cluster.quickReconnectConfiguration
            try await withEtcdClient(configuration: configuration) { watcherClient in
                try await withEtcdClient(configuration: configuration) { writerClient in
                    let prefix = "resume/"
                    let start = try await writerClient.status().header.revision + 1
                    let total = 10_000
                    try await watcherClient.watch(.prefix(EtcdKey(prefix)), startRevision: start) { responses in
                        try await withThrowingTaskGroup(of: [Int64].self) { group in
                            group.addTask {
                                var revisions: [Int64] = []
                                var keys = 0
                                for try await response in responses {
                                    revisions += response.events.map(\.revision)
                                    keys += response.events.count
                                    if keys >= total { break }
                                }
                                return revisions
                            }
                            try await writeKeys(writerClient, prefix: prefix, count: total) { written in
                                if written == 2_500 || written == 6_000 {
                                    member.kill()
                                    try member.start()
                                    try await member.waitUntilHealthy()
                                }
                            }
                            let seen = try #require(try await group.next())
                            let stored = try await writerClient.get(.prefix(EtcdKey(prefix)), keysOnly: true)
                            let expected = stored.keyValues.map(\.createRevision).sorted()
                            #expect(stored.keyValues.count == total)
                            #expect(stored.keyValues.allSatisfy { $0.version == 1 })
                            #expect(seen.count == total)
                            #expect(seen == expected, "every revision once, in order")
                        }
                    }
                }
            }
        }
    }

    @Test("history compacted while the watch was cut off: it ends with compacted and the compact revision")
    func compactedBeforeResume() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            let throughRelay = cluster.configuration(through: relay)
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: throughRelay) { watcher in
                    let first = try await direct.put("compact/k", value: "1").header.revision
                    let error = try await #require(throws: EtcdError.self) {
                        try await watcher.watch(.key("compact/k"), startRevision: first) { responses in
                            for try await response in responses where response.events.first?.revision == first {
                                relay.set(.cut)
                                try await direct.put("compact/k", value: "2")
                                let compactTo = try await direct.put("compact/k", value: "3").header.revision
                                try await direct.compact(revision: compactTo)
                                relay.set(.pass)
                            }
                        }
                    }
                    #expect(error.code == .compacted)
                    let revision = try await direct.status().header.revision
                    #expect(error.compactRevision == revision)
                }
            }
        }
    }

    @Test("a stalled connection is detected by keepalive and the watch resumes with nothing lost")
    func stalledConnection() async throws {
        try await withRelayedEtcdTestCluster { cluster, relay in
            var throughRelay = cluster.configuration(through: relay)
            throughRelay.keepalive = EtcdClient.Keepalive(interval: .milliseconds(300), timeout: .milliseconds(300))
            try await withEtcdClient(configuration: cluster.clientConfiguration) { direct in
                try await withEtcdClient(configuration: throughRelay) { watcher in
                    try await watcher.watch(.prefix("stall/")) { responses in
                        var values: [String] = []
                        try await direct.put("stall/a", value: "0")
                        for try await response in responses {
                            values += response.events.compactMap(\.keyValue.stringValue)
                            if values == ["0"] {
                                relay.set(.stall)
                                for index in 1...5 {
                                    try await direct.put(EtcdKey("stall/\(index)"), value: "\(index)")
                                }
                                // Only the keepalive can tell that the stalled connection is dead: the client then
                                // opens a second one through the relay.
                                let clock = ContinuousClock()
                                let deadline = clock.now + .seconds(10)
                                while relay.connectionCount < 2 && clock.now < deadline {
                                    try await Task.sleep(for: .milliseconds(10))
                                }
                                #expect(relay.connectionCount >= 2, "the keepalive replaced the stalled connection")
                                relay.set(.pass)
                            }
                            if values.count == 6 { break }
                        }
                        #expect(values == ["0", "1", "2", "3", "4", "5"])
                    }
                }
            }
        }
    }

    @Test("leaving a watch's closure removes the watcher on the server")
    func leavingRemovesServerWatcher() async throws {
        try await withEtcdTestCluster(members: 1) { cluster in
            let member = cluster.members[0]
            func watchers() -> Double? { member.metric("etcd_debugging_mvcc_watcher_total") }
            /// Waits until the gauge shows `value`, reading it again as the server updates it.
            func waitForWatchers(_ value: Double) async throws {
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(10)
                while watchers() != value && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(watchers() == value)
            }
            try await waitForWatchers(0)
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                try await etcd.watch(.prefix("scoped/")) { _ in
                    #expect(watchers() == 1)
                    try await etcd.watch(.key("scoped/a")) { _ in
                        #expect(watchers() == 2)
                    }
                    try await waitForWatchers(1)
                }
                try await waitForWatchers(0)
                struct Leave: Error {}
                await #expect(throws: Leave.self) {
                    try await etcd.watch(.prefix("scoped/")) { _ in throw Leave() }
                }
                try await waitForWatchers(0)
                let task = Task {
                    try await etcd.watch(.prefix("scoped/")) { responses in
                        for try await _ in responses {}
                    }
                }
                try await waitForWatchers(1)
                task.cancel()
                _ = await task.result
                try await waitForWatchers(0)
            }
        }
    }
}
