import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

/// Starts `etcd-swift` (`swift`) or `etcdctl` with `arguments` against `cluster`, in the background.
private func start(
    _ swift: Bool,
    _ arguments: [String],
    on cluster: EtcdTestCluster
) throws -> EtcdTestBackgroundProcess {
    let endpoint = "--endpoints=\(cluster.members[0].clientURL)"
    return swift
        ? try EtcdTestBackgroundProcess(path: try EtcdTestBinaries.toolPath(), arguments: [endpoint] + arguments)
        : try EtcdTestBackgroundProcess(
            "etcdctl",
            package: "etcd-client",
            arguments: [endpoint] + arguments,
            environment: ["ETCDCTL_API": "3"]
        )
}

/// Waits until the keys under `prefix` number `count`.
private func waitForKeys(_ prefix: String, count: Int, _ etcd: EtcdClient) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await etcd.count(.prefix(EtcdKey(prefix))) != count {
        guard ContinuousClock.now < deadline else {
            Issue.record("the keys under \(prefix) never numbered \(count)")
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite("etcd-swift and etcdctl together on one cluster", .serialized, .timeLimit(.minutes(2)))
struct CommandLineInteropTests {
    @Test("lock: each tool waits while the other holds the lock; Ctrl-C releases it; a command's status is passed on")
    func lockBothWays() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                for swiftHolds in [true, false] {
                    let name = swiftHolds ? "lock-a" : "lock-b"
                    let holder = try start(swiftHolds, ["lock", name], on: cluster)
                    let held = await holder.waitForLines(1)
                    #expect(held.first?.hasPrefix(name + "/") == true, "\(held)")
                    let waiter = try start(!swiftHolds, ["lock", name, "echo", "acquired"], on: cluster)
                    // The waiter's key is written: it waits behind the holder.
                    try await waitForKeys(name + "/", count: 2, etcd)
                    #expect(waiter.lines.isEmpty, "the waiter ran while the lock was held")
                    #expect(holder.stop(signal: SIGINT) == 0)
                    #expect(await waiter.waitForLines(1) == ["acquired"])
                    #expect(waiter.waitUntilExit() == 0)
                    try await waitForKeys(name + "/", count: 0, etcd)
                }
                let failing = try EtcdTestBinaries.capture(
                    try EtcdTestBinaries.toolPath(),
                    arguments: [
                        "--endpoints=\(cluster.members[0].clientURL)", "lock", "lock-c", "sh", "-c",
                        "echo \"$ETCD_LOCK_KEY $ETCD_LOCK_REV\"; exit 7",
                    ]
                )
                #expect(failing.status == 7)
                let words = failing.text.split(separator: " ")
                #expect(words.first?.hasPrefix("lock-c/") == true && Int64(words.last?.dropLast() ?? "") != nil)
                #expect(try await etcd.count(.prefix("lock-c/")) == 0)
            }
        }
    }

    @Test("elect: each tool's observer sees the other's leader; Ctrl-C resigns")
    func electBothWays() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let goObserver = try start(false, ["elect", "-l", "fleet"], on: cluster)
                let swiftObserver = try start(true, ["elect", "-l", "fleet"], on: cluster)
                let swiftLeader = try start(true, ["elect", "fleet", "swift-node"], on: cluster)
                #expect(await swiftLeader.waitForLines(2).last == "swift-node")
                #expect(await goObserver.waitForLines(2).last == "swift-node")
                #expect(await swiftObserver.waitForLines(2).last == "swift-node")
                let goLeader = try start(false, ["elect", "fleet", "go-node"], on: cluster)
                try await waitForKeys("fleet/", count: 2, etcd)
                #expect(swiftLeader.stop(signal: SIGINT) == 0)
                #expect(await goLeader.waitForLines(2).last == "go-node")
                #expect(await goObserver.waitForLines(4).last == "go-node")
                #expect(await swiftObserver.waitForLines(4).last == "go-node")
                #expect(goObserver.lines == swiftObserver.lines)
                goLeader.stop(signal: SIGINT)
                #expect(swiftObserver.stop(signal: SIGINT) == 0)
                goObserver.stop(signal: SIGINT)
                try await waitForKeys("fleet/", count: 0, etcd)
            }
        }
    }

    @Test("watch prints what etcdctl's watch prints, in simple and json; a command runs per event; Ctrl-C ends it")
    func watch() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let first = try await etcd.put("w/0", value: "first").header.revision
                var watchers: [(EtcdTestBackgroundProcess, EtcdTestBackgroundProcess)] = []
                for format in ["simple", "json"] {
                    let arguments = ["watch", "w/", "--prefix", "--prev-kv", "--rev=\(first)", "-w", format]
                    watchers.append((try start(false, arguments, on: cluster), try start(true, arguments, on: cluster)))
                }
                let runner = try start(
                    true,
                    [
                        "watch", "w/1", "--", "sh", "-c",
                        "echo \"run $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE\"",
                    ],
                    on: cluster
                )
                // Each watcher has caught up with w/0, and the runner's watch is registered, before the writes.
                for ((goWatcher, swiftWatcher), count) in zip(watchers, [3, 1]) {
                    #expect(await goWatcher.waitForLines(count).count == count)
                    #expect(await swiftWatcher.waitForLines(count).count == count)
                }
                let deadline = ContinuousClock.now + .seconds(10)
                while cluster.members[0].metric("etcd_debugging_mvcc_watcher_total") != 5,
                    ContinuousClock.now < deadline
                {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(cluster.members[0].metric("etcd_debugging_mvcc_watcher_total") == 5)
                try await etcd.put("w/1", value: "a")
                try await etcd.put("w/1", value: "b")
                try await etcd.delete(.prefix("w/"))
                // simple: PUT w/0 and PUT w/1 (3 lines each), then 5 lines per event with a previous value;
                // json: one line per revision, each delivered on its own here.
                for ((goWatcher, swiftWatcher), count) in zip(watchers, [21, 4]) {
                    let goLines = await goWatcher.waitForLines(count)
                    #expect(goLines.count == count, "\(goLines)")
                    #expect(await swiftWatcher.waitForLines(count) == goLines)
                    goWatcher.stop(signal: SIGINT)
                    #expect(swiftWatcher.stop(signal: SIGINT) == 130)
                }
                // Each event: its three lines, then the command's line.
                let runs = await runner.waitForLines(12).filter { $0.hasPrefix("run ") }
                #expect(
                    runs == ["run \"PUT\" \"w/1\" \"a\"", "run \"PUT\" \"w/1\" \"b\"", "run \"DELETE\" \"w/1\" \"\""]
                )
                runner.stop(signal: SIGINT)
            }
        }
    }

    @Test("snapshot save writes a checked file; make-mirror copies a prefix to another cluster until stopped")
    func snapshotAndMirror() async throws {
        try await withEtcdTestCluster { source in
            try await withEtcdTestCluster { destination in
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "cli-\(UUID().uuidString)"
                )
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: directory) }
                let path = directory.appendingPathComponent("snap.db").path
                let tool = try EtcdTestBinaries.toolPath()
                let endpoint = "--endpoints=\(source.members[0].clientURL)"
                let saved = try EtcdTestBinaries.capture(tool, arguments: [endpoint, "snapshot", "save", path])
                #expect(saved.status == 0 && saved.text == "Snapshot saved at \(path)\n", "\(saved.errorText)")
                #expect(try EtcdClient.verifySnapshot(atPath: path) > 0)
                let refused = try EtcdTestBinaries.capture(
                    tool,
                    arguments: ["--endpoints=127.0.0.1:1,127.0.0.1:2", "snapshot", "save", path]
                )
                #expect(refused.status == 5, "\(refused.errorText)")

                try await withEtcdClient(configuration: source.clientConfiguration) { etcd in
                    try await etcd.put("app/a", value: "1")
                    let mirror = try EtcdTestBackgroundProcess(
                        path: tool,
                        arguments: [
                            endpoint, "make-mirror", "--prefix=app/", "--dest-prefix=copy/",
                            destination.members[0].clientURL,
                        ]
                    )
                    try await etcd.put("app/b", value: "2")
                    try await withEtcdClient(configuration: destination.clientConfiguration) { copy in
                        try await waitForKeys("copy/", count: 2, copy)
                        #expect(try await copy.get("copy/b")?.stringValue == "2")
                    }
                    #expect(mirror.stop(signal: SIGINT) == 130)
                }
            }
        }
    }

    @Test(
        "--config takes the library's configuration file; ETCDCTL_ENDPOINTS sets the endpoints; keep-alive runs until Ctrl-C"
    )
    func configurationAndKeepAlive() async throws {
        try await withEtcdTestCluster { cluster in
            let tool = try EtcdTestBinaries.toolPath()
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).json")
            try Data(#"{"endpoints": ["\#(cluster.members[0].clientURL)"], "request-timeout": "3s"}"#.utf8).write(
                to: file
            )
            defer { try? FileManager.default.removeItem(at: file) }
            #expect(
                try EtcdTestBinaries.capture(tool, arguments: ["--config", file.path, "put", "c", "1"]).text == "OK\n"
            )
            let viaEnvironment = try EtcdTestBinaries.capture(
                tool,
                arguments: ["get", "c", "--print-value-only"],
                environment: ["ETCDCTL_ENDPOINTS": cluster.members[0].clientURL]
            )
            #expect(viaEnvironment.text == "1\n")
            let badFile = try EtcdTestBinaries.capture(tool, arguments: ["--config", "/no/such/file.json", "get", "c"])
            #expect(badFile.status == 128 && badFile.errorText.hasPrefix("Error: cannot read"), "\(badFile.errorText)")

            let grant = try EtcdTestBinaries.capture(
                tool,
                arguments: ["--endpoints=\(cluster.members[0].clientURL)", "lease", "grant", "3"]
            )
            let lease = try #require(grant.text.split(separator: " ").dropFirst().first.map(String.init))
            let keeper = try start(true, ["lease", "keep-alive", lease], on: cluster)
            let lines = await keeper.waitForLines(2)
            #expect(lines.allSatisfy { $0 == "lease \(lease) keepalived with TTL(3)" } && lines.count == 2, "\(lines)")
            #expect(keeper.stop(signal: SIGINT) == 130)
        }
    }
}
