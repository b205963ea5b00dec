import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport

/// Stops a stream's consumer once it has seen what it waited for.
private struct Enough: Error {}

@Suite("Membership, alarms and leadership changes against a real etcd", .serialized, .timeLimit(.minutes(2)))
struct ClusterAdministrationTests {
    @Test("a learner is added, its peer URL updated, its promotion refused while it is not in sync, then removed")
    func learnerLifecycle() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let port = try EtcdTestFreePort.one()
                let added = try await etcd.addMember(peerURLs: ["http://127.0.0.1:\(port)"], asLearner: true)
                let learner = try #require(added.added)
                #expect(learner.isLearner)
                #expect(learner.peerURLs == ["http://127.0.0.1:\(port)"])
                #expect(added.members.count == 2)

                let newPort = try EtcdTestFreePort.one()
                let updated = try await etcd.updateMember(id: learner.id, peerURLs: ["http://127.0.0.1:\(newPort)"])
                #expect(updated.members.first { $0.id == learner.id }?.peerURLs == ["http://127.0.0.1:\(newPort)"])

                // Never started, the learner cannot have caught up with the leader.
                let promotion = try await #require(throws: EtcdError.self) {
                    try await etcd.promoteMember(id: learner.id)
                }
                #expect(promotion.code == .learnerNotReady, "\(promotion)")

                let removed = try await etcd.removeMember(id: learner.id)
                #expect(removed.members.map(\.id) == [try await etcd.status().header.memberID])
                #expect(try await etcd.members().members.count == 1)
            }
        }
    }

    @Test("a full database raises noSpace; after compaction and defragmentation, disarm clears it and writes go on")
    func noSpaceAlarmIsDisarmed() async throws {
        try await withEtcdTestCluster(extraArguments: ["--quota-backend-bytes", "\(1 << 20)"]) { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let value = [UInt8](repeating: 0x61, count: 64 << 10)
                var refused: EtcdError?
                for index in 0..<512 where refused == nil {
                    do {
                        try await etcd.put("quota/\(index)", value: value)
                    } catch let error as EtcdError {
                        refused = error
                    }
                }
                #expect(refused?.code == .noSpace, "\(String(describing: refused))")
                let alarms = try await etcd.alarms()
                #expect(alarms.map(\.kind) == [.noSpace])
                let alarm = try #require(alarms.first)
                #expect(alarm.memberID == (try await etcd.status().header.memberID))

                // Under the alarm, deletes still go through; then the space is reclaimed.
                try await etcd.delete(.prefix("quota/"))
                try await etcd.compact(revision: try await etcd.status().header.revision, physical: true)
                try await etcd.defragment()
                let cleared = try await etcd.disarm(alarm)
                #expect(cleared == [alarm])
                #expect(try await etcd.alarms().isEmpty)
                try await etcd.put("quota/after", value: "written")
                #expect(try await etcd.get("quota/after")?.stringValue == "written")
            }
        }
    }

    @Test("moveLeader hands leadership to the member named; a member that cannot lead is refused")
    func moveLeader() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let (leader, ids) = try await cluster.leadership()
            let target = (leader + 1) % 3
            var configuration = cluster.clientConfiguration
            configuration.endpoints = [cluster.members[leader].endpoint]
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.moveLeader(to: ids[target])
                #expect(try await etcd.status().leader == ids[target])
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.moveLeader(to: 0x1234)
                }
                #expect(error.code == .badLeaderTransferee, "\(error)")
            }
        }
    }

    @Test("observeWithService reports the leader the election service elected, then the next one")
    func observeWithService() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = EtcdKey(SharedEtcd.uniquePrefix("observe-service") + "election")
            let first = try await etcd.grantLease(ttl: .seconds(10))
            let second = try await etcd.grantLease(ttl: .seconds(10))
            let leader = try await etcd.campaignWithService(name: name, lease: first.id, value: "first")
            var seen: [String] = []
            await #expect(throws: Enough.self) {
                try await etcd.observeWithService(name: name) { keyValue in
                    seen.append(keyValue.stringValue ?? "")
                    if seen == ["first"] {
                        let waiting = Task {
                            try await etcd.campaignWithService(name: name, lease: second.id, value: "second")
                        }
                        try await etcd.resignWithService(leader)
                        _ = try await waiting.value
                    }
                    if keyValue.stringValue == "second" { throw Enough() }
                }
            }
            #expect(seen.first == "first")
            #expect(seen.last == "second")
            try await etcd.revokeLease(first.id)
            try await etcd.revokeLease(second.id)
        }
    }
}
