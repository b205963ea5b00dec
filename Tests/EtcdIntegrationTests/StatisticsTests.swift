import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Statistics for metrics", .timeLimit(.minutes(1)))
struct StatisticsTests {
    @Test("calls with their outcome, retries, failovers and connections reach the statistics sink")
    func callsRetriesFailovers() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let recorder = EtcdTestStatisticsRecorder()
        let deadPort = try EtcdTestFreePort.one()
        let dead = EtcdEndpoint.hostname("127.0.0.1", port: deadPort)
        var configuration = cluster.clientConfiguration
        configuration.endpoints = [dead] + configuration.endpoints
        configuration.statisticsSink = recorder.sink
        let key = EtcdKey(SharedEtcd.uniquePrefix("statistics") + "k")
        try await withEtcdClient(configuration: configuration) { etcd in
            try await etcd.put(key, value: "v")
            #expect(try await etcd.get(key)?.stringValue == "v")
            let future = try await #require(throws: EtcdError.self) { try await etcd.get(key, revision: 1 << 40) }
            #expect(future.code == .futureRevision)
        }
        let events = recorder.all
        #expect(events.first == .connecting(endpoint: dead.description))
        #expect(events.contains(.connecting(endpoint: cluster.members[0].endpoint.description)))
        #expect(
            events.contains {
                if case .failover(let from, _) = $0 { return from == dead.description }
                return false
            }
        )
        #expect(events.contains(.callRetried(method: "/etcdserverpb.KV/Put", reason: .connectionFailed)))
        let finished = events.compactMap { event -> (String, EtcdError.Code?)? in
            guard case .callFinished(let method, let duration, let failure) = event else { return nil }
            #expect(duration >= .zero)
            return (method, failure)
        }
        #expect(finished.map(\.0) == ["/etcdserverpb.KV/Put", "/etcdserverpb.KV/Range", "/etcdserverpb.KV/Range"])
        #expect(finished.map(\.1) == [nil, nil, .futureRevision])
    }
}
