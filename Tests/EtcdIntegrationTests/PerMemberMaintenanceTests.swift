import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

@Suite("Maintenance aimed at named members, against real etcd", .serialized, .timeLimit(.minutes(2)))
struct PerMemberMaintenanceTests {
    @Test("status, hashKV and health member by member; setEndpoints; moveLeader from a follower")
    func threeMembers() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let (leader, ids) = try await cluster.leadership()
            let follower = (leader + 1) % 3
            var configuration = cluster.clientConfiguration
            configuration.endpoints = [cluster.members[follower].endpoint]
            try await withEtcdClient(configuration: configuration) { etcd in
                for (index, member) in cluster.members.enumerated() {
                    let status = try await etcd.status(at: member.endpoint)
                    #expect(status.header.memberID == ids[index])
                    #expect(status.leader == ids[leader])
                }
                var revision: Int64 = 0
                for index in 0..<200 {
                    revision = try await etcd.put("hash/\(index % 37)", value: "\(index)").header.revision
                }
                // A linearizable read answered by a member means it applied everything committed before it.
                for member in cluster.members {
                    let health = try await etcd.health(at: member.endpoint)
                    #expect(health.isHealthy && health.error == nil, "\(health)")
                    #expect(health.endpoint == member.endpoint)
                }
                var hashes: [UInt32] = []
                for member in cluster.members {
                    let answer = try await etcd.hashKV(revision: revision, at: member.endpoint)
                    hashes.append(answer.hash)
                }
                #expect(Set(hashes).count == 1, "\(hashes)")
                let whole = try await etcd.hash(at: cluster.members[leader].endpoint)
                #expect(whole.header.memberID == ids[leader])

                // Only the leader takes MoveLeader: the client on a follower finds it.
                let target = (leader + 2) % 3
                try await etcd.moveLeader(to: ids[target])
                #expect(try await etcd.status().leader == ids[target])

                try etcd.setEndpoints([cluster.members[target].endpoint])
                #expect(etcd.endpoints == [cluster.members[target].endpoint])
                #expect(try await etcd.status().header.memberID == ids[target])
                let empty = try #require(throws: EtcdError.self) { try etcd.setEndpoints([]) }
                #expect(empty.code == .invalidArgument)
                #expect(etcd.endpoints == [cluster.members[target].endpoint])
            }
        }
    }

    @Test("a dead member is reported unhealthy at once, and a call pinned to it fails without failing over")
    func deadMember() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let dead = EtcdEndpoint.hostname("127.0.0.1", port: try EtcdTestFreePort.one())
        try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
            let start = ContinuousClock.now
            let health = try await etcd.health(at: dead)
            #expect(!health.isHealthy)
            #expect(health.error?.code == .connectionFailed, "\(String(describing: health.error))")
            let status = try await #require(throws: EtcdError.self) { try await etcd.status(at: dead) }
            #expect(status.code == .connectionFailed, "\(status)")
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(try await etcd.health().isHealthy)
        }
    }

    @Test("a learner joins, catches up, is promoted and removed; an alarm raised stops writes until disarmed")
    func learnerAndAlarm() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                for index in 0..<50 { try await etcd.put("learner/\(index)", value: "\(index)") }
                let peerPort = try EtcdTestFreePort.one()
                let added = try await etcd.addMember(peerURLs: ["http://127.0.0.1:\(peerPort)"], asLearner: true)
                let learnerID = try #require(added.added?.id)
                let learner = try cluster.joiningMember(name: "learner", peerPort: peerPort, members: added.members)
                try learner.start()
                defer { learner.stop() }
                try await learner.waitUntilHealthy()
                #expect(try await etcd.status(at: learner.endpoint).isLearner)

                // Promotion is refused until the learner has caught up with the leader's log.
                let promoted = try await untilAccepted(refusedWith: .learnerNotReady) {
                    try await etcd.promoteMember(id: learnerID)
                }
                #expect(promoted.members.first { $0.id == learnerID }?.isLearner == false)
                // The new voter learns of its promotion when it applies it, a moment after the leader.
                let deadline = ContinuousClock.now + .seconds(10)
                while try await etcd.status(at: learner.endpoint).isLearner, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await etcd.status(at: learner.endpoint).isLearner == false)
                for member in [cluster.members[0].endpoint, learner.endpoint] {
                    #expect(try await etcd.health(at: member).isHealthy)
                }
                let read = try await etcd.get(.prefix("learner/"), consistency: .linearizable)
                #expect(read.count == 50)

                // etcd keeps a quorum safe: a voter connected for less than 5 seconds cannot be removed yet.
                let removed = try await untilAccepted(refusedWith: .unhealthy) {
                    try await etcd.removeMember(id: learnerID)
                }
                #expect(removed.members.count == 1)
                #expect(try await etcd.health(at: cluster.members[0].endpoint).isHealthy)
                try await etcd.put("learner/after", value: "written")

                let memberID = try await etcd.status().header.memberID
                let raised = try await etcd.raiseAlarm(.noSpace, forMember: memberID)
                #expect(raised == [EtcdAlarm(memberID: memberID, kind: .noSpace)])
                let refused = try await #require(throws: EtcdError.self) {
                    try await etcd.put("learner/refused", value: "x")
                }
                #expect(refused.code == .noSpace, "\(refused)")
                try await etcd.disarm(EtcdAlarm(memberID: memberID, kind: .noSpace))
                #expect(try await etcd.alarms().isEmpty)
                try await etcd.put("learner/refused", value: "now written")
            }
        }
    }

    @Test("a 50 MiB snapshot saved to a file restores with etcdctl and serves the data; a cut file is refused")
    func snapshotToFile() async throws {
        try await withEtcdTestCluster { cluster in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("db").path
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let value = [UInt8](repeating: 0x5a, count: 1 << 20)
                for index in 0..<50 { try await etcd.put("big/\(index)", value: value) }
                var reports: [Int] = []
                let size = try await etcd.saveSnapshot(to: path, at: cluster.members[0].endpoint) { reports.append($0) }
                #expect(size > 50 << 20)
                #expect(reports.last == size)
                #expect(reports == reports.sorted() && reports.count > 1)
                #expect(try EtcdClient.verifySnapshot(atPath: path) == size)
                #expect(!FileManager.default.fileExists(atPath: path + ".part"))
                let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(permissions == 0o600, "a snapshot holds every key: readable by its owner only")
            }

            // etcdctl restores it; an etcd started on the restored directory serves the keys.
            let peerPort = try EtcdTestFreePort.one()
            let restoredDirectory = directory.appendingPathComponent("restored")
            _ = try cluster.etcdctl([
                "snapshot", "restore", path, "--name", "r0",
                "--data-dir", restoredDirectory.appendingPathComponent("data").path,
                "--initial-cluster", "r0=http://127.0.0.1:\(peerPort)",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
            ])
            let restored = try EtcdTestMember.restored(name: "r0", dataDirectory: restoredDirectory, peerPort: peerPort)
            try restored.start()
            defer { restored.stop() }
            try await restored.waitUntilHealthy()
            try await withEtcdClient(configuration: EtcdClient.Configuration(endpoints: [restored.endpoint])) {
                etcd in
                let read = try await etcd.get(.prefix("big/"), keysOnly: true)
                #expect(read.count == 50)
                #expect(try await etcd.get("big/49")?.value.count == 1 << 20)
            }

            // A file cut short no longer ends with its digest: refused by us and by etcdctl.
            let cut = directory.appendingPathComponent("cut").path
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count - 4096).write(to: URL(fileURLWithPath: cut))
            let refused = try #require(throws: EtcdError.self) { try EtcdClient.verifySnapshot(atPath: cut) }
            #expect(refused.code == .snapshotCorrupted)
            #expect(throws: (any Error).self) {
                try cluster.etcdctl([
                    "snapshot", "restore", cut, "--data-dir", directory.appendingPathComponent("cut-data").path,
                ])
            }
        }
    }

    @Test("a cancelled or failed save leaves neither the file nor its .part behind")
    func cancelledSave() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db").path
        try await SharedEtcd.withClient { etcd in
            let save = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await etcd.saveSnapshot(to: path)
            }
            await #expect(throws: CancellationError.self) { try await save.value }
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(!FileManager.default.fileExists(atPath: path + ".part"))

            let timedOut = try await #require(throws: EtcdError.self) {
                try await etcd.saveSnapshot(to: path, options: EtcdClient.CallOptions(timeout: .nanoseconds(1)))
            }
            #expect(timedOut.code == .deadlineExceeded, "\(timedOut)")
            #expect(!FileManager.default.fileExists(atPath: path + ".part"))

            let missing = try await #require(throws: EtcdError.self) {
                try await etcd.saveSnapshot(to: directory.appendingPathComponent("no/such/dir/db").path)
            }
            #expect(missing.code == .invalidArgument)
        }
    }

    /// The result of `call`, made again every 100 ms while etcd refuses it with `code` (a state that passes),
    /// for at most 20 seconds.
    private func untilAccepted<Result>(
        refusedWith code: EtcdError.Code,
        _ call: () async throws -> Result
    ) async throws -> Result {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            do {
                return try await call()
            } catch let error as EtcdError where error.code == code && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
