import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

/// The endpoint list learned from the member list.
@Suite("Endpoint sync against three members", .timeLimit(.minutes(2)))
struct EndpointSyncIntegrationTests {
    @Test("a client given one member learns the others, and survives that member's death")
    func autoSync() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            var configuration = cluster.configuration(onlyMember: 0)
            configuration.autoSyncInterval = .milliseconds(100)
            let records = EtcdTestLogRecorder()
            configuration.logSink = records.sink
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("sync/k", value: "1")
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(10)
                while Set(etcd.endpoints) != Set(cluster.endpoints) && clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(Set(etcd.endpoints) == Set(cluster.endpoints))

                cluster.members[0].kill()
                // A read is retried on another member even if the kill breaks it mid-flight; then a write.
                #expect(try await etcd.get("sync/k")?.stringValue == "1")
                try await etcd.put("sync/k", value: "2")
                #expect(try await etcd.get("sync/k")?.stringValue == "2")
            }
            #expect(!records.records("endpoints synced from the member list").isEmpty)
        }
    }

    @Test("syncEndpoints replaces the list on demand; without an interval nothing changes by itself")
    func syncOnDemand() async throws {
        try await withEtcdTestCluster(members: 3) { cluster in
            let configuration = cluster.configuration(onlyMember: 1)
            try await withEtcdClient(configuration: configuration) { etcd in
                _ = try await etcd.get("sync/k")
                #expect(etcd.endpoints == [cluster.members[1].endpoint])
                let synced = try await etcd.syncEndpoints()
                #expect(Set(synced) == Set(cluster.endpoints))
                #expect(etcd.endpoints == synced)
            }
        }
    }
}
