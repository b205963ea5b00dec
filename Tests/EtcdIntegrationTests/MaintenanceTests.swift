import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

@Suite("Cluster and maintenance against a real etcd", .timeLimit(.minutes(1)))
struct MaintenanceTests {
    @Test("status and member list describe the member we talk to")
    func statusAndMembers() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { etcd in
            let status = try await etcd.status()
            #expect(status.version.hasPrefix("3."))
            #expect(status.leader == status.header.memberID)
            #expect(status.databaseSize > 0)
            #expect(!status.isLearner)
            let members = try await etcd.members()
            #expect(members.members.count == 1)
            let member = try #require(members.members.first)
            #expect(member.id == status.header.memberID)
            #expect(member.name == cluster.members[0].name)
            #expect(member.clientURLs == [cluster.members[0].clientURL])
            #expect(try await etcd.alarms().isEmpty)
            let hash = try await etcd.hashKV()
            #expect(hash.header.revision > 0)
        }
    }

    @Test("a snapshot restores with etcdctl into a data directory that holds our key")
    func snapshotRestores() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { etcd in
            let key = SharedEtcd.uniquePrefix("snapshot") + "k"
            try await etcd.put(EtcdKey(key), value: "in the snapshot")
            var bytes: [UInt8] = []
            let total = try await etcd.snapshot { chunk in bytes += chunk }
            #expect(total == bytes.count)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "snapshot-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("db")
            try Data(bytes).write(to: file)
            let status = String(
                decoding: try cluster.etcdctl(["snapshot", "status", file.path, "-w", "json"]),
                as: UTF8.self
            )
            #expect(status.contains("\"totalKey\""), "\(status)")
        }
    }

    @Test("defragment completes on a live member, and data written before is still there after")
    func defragment() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("defrag") + "k")
            try await etcd.put(key, value: "kept")
            try await etcd.defragment()  // etcd 3.4 sends an empty header here
            #expect(try await etcd.get(key)?.stringValue == "kept")
        }
    }
}
