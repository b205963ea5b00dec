import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

/// Serializable reads after a failover never go back to an older revision than the client has seen.
///
/// Two kinds of endpoint answer from the past: a real member cut off from raft (its peer traffic through
/// relays), and a separate etcd whose store is at a lower revision, as a member restored from an old backup.
@Suite("Ordering of serializable reads", .timeLimit(.minutes(2)))
struct OrderingTests {
    @Test("a member cut off from raft falls behind: after a failover to it, its serializable answers are refused")
    func laggingMemberSkipped() async throws {
        try await withEtcdTestCluster(members: 3, peerRelays: true) { cluster in
            let (leader, ids) = try await cluster.leadership()
            let (fresh, lagging) = ((leader + 1) % 3, (leader + 2) % 3)
            func configuration(_ order: [Int], checked: Bool = true) -> EtcdClient.Configuration {
                var configuration = cluster.clientConfiguration
                configuration.endpoints = order.map { cluster.members[$0].endpoint }
                configuration.rejectsStaleSerializableReads = checked
                return configuration
            }
            // A member applies a committed write up to a heartbeat after the leader answered it: waits until the
            // member's own (serializable) answer has `value`.
            func waitUntil(_ member: Int, answers value: String) async throws {
                try await withEtcdClient(configuration: configuration([member])) { etcd in
                    while try await etcd.get("lagging/k", consistency: .serializable)?.stringValue != value {
                        await Task.yield()
                    }
                }
            }
            try await withEtcdClient(configuration: configuration([leader])) { writer in
                try await writer.put("lagging/k", value: "old")
                // Every member has "old"; then the lagging member hears nothing more.
                for member in cluster.members.indices { try await waitUntil(member, answers: "old") }
                cluster.isolate(lagging, memberID: ids[lagging])
                for index in 0..<20 { try await writer.put("lagging/k", value: "new-\(index)") }
                try await writer.put("lagging/k", value: "new")
            }
            try await waitUntil(fresh, answers: "new")
            let read = { (etcd: EtcdClient) in
                try await etcd.get(EtcdGetRequest(.key("lagging/k"), consistency: .serializable))
            }
            let statistics = EtcdTestStatisticsRecorder()
            var wideConfiguration = configuration([fresh, lagging, leader])
            wideConfiguration.statisticsSink = statistics.sink
            try await withEtcdClient(configuration: wideConfiguration) { wide in
                try await withEtcdClient(configuration: configuration([fresh, lagging])) { narrow in
                    try await withEtcdClient(configuration: configuration([fresh, lagging], checked: false)) {
                        unchecked in
                        // Each client reads "new" from the fresh member, and so has seen its revision.
                        var seen: Int64 = 0
                        for etcd in [wide, narrow, unchecked] {
                            let answer = try await read(etcd)
                            #expect(answer.keyValues.first?.stringValue == "new")
                            seen = answer.header.revision
                        }
                        cluster.members[fresh].kill()
                        // The next endpoint is the lagging member: skipped, and the leader answers.
                        let moved = try await read(wide)
                        #expect(moved.keyValues.first?.stringValue == "new")
                        #expect(moved.header.revision >= seen)
                        #expect(statistics.all.contains(.staleReadRefused(method: "/etcdserverpb.KV/Range")))
                        // With only the lagging member left, the read says so rather than go back in time.
                        let error = try await #require(throws: EtcdError.self) { try await read(narrow) }
                        #expect(error.code == .staleRead, "\(error)")
                        // Without the check, the old value goes through: what the check prevents.
                        #expect(try await read(unchecked).keyValues.first?.stringValue == "old")
                    }
                }
            }
            cluster.heal()
        }
    }

    @Test(
        "an endpoint behind what the client has seen is skipped; with only such endpoints a read or a serializable txn is staleRead"
    )
    func staleEndpointSkipped() async throws {
        try await withRelayedEtcdTestCluster { current, relay in
            try await withEtcdTestCluster { behind in
                let direct = current.members[0].endpoint
                let past = behind.members[0].endpoint
                let viaRelay = EtcdEndpoint.hostname("127.0.0.1", port: relay.port)
                var configuration = current.configuration(through: relay)
                configuration.defaultCallOptions.timeout = .seconds(10)
                let records = EtcdTestLogRecorder()
                configuration.logSink = records.sink
                var threeEndpoints = configuration
                threeEndpoints.endpoints = [viaRelay, past, direct]
                var twoEndpoints = configuration
                twoEndpoints.endpoints = [viaRelay, past]

                _ = try await withEtcdClient(configuration: behind.clientConfiguration) { old in
                    try await old.put("ordering/k", value: "old")
                }
                try await withEtcdClient(configuration: threeEndpoints) { etcd in
                    try await withEtcdClient(configuration: twoEndpoints) { narrow in
                        for index in 0..<20 { try await etcd.put("ordering/k", value: "new-\(index)") }
                        let seen = try await etcd.put("ordering/k", value: "new").header.revision
                        _ = try await narrow.get("ordering/k")  // the narrow client sees the same revision

                        relay.set(.cut)  // the client's member is gone: the next endpoint is the one behind
                        let read = try await etcd.get(EtcdGetRequest(.key("ordering/k"), consistency: .serializable))
                        #expect(read.keyValues.first?.stringValue == "new")
                        #expect(read.header.revision >= seen)
                        let error = try await #require(throws: EtcdError.self) {
                            try await narrow.get(EtcdGetRequest(.key("ordering/k"), consistency: .serializable))
                        }
                        #expect(error.code == .staleRead, "\(error)")
                        // A transaction of serializable reads is answered locally too, and checked the same way.
                        let snapshotRead = EtcdTxnRequest(
                            if: [],
                            then: [.get(EtcdGetRequest(.key("ordering/k"), consistency: .serializable))]
                        )
                        let txnError = try await #require(throws: EtcdError.self) { try await narrow.txn(snapshotRead) }
                        #expect(txnError.code == .staleRead, "\(txnError)")
                    }
                }

                let notices = records.records(
                    "a member answered from an older revision than already seen; asking the next one"
                )
                #expect(notices.contains { $0.metadata["endpoint"] == past.description }, "\(notices)")

                // Without the check, the old answer goes through.
                relay.set(.pass)
                var unchecked = twoEndpoints
                unchecked.rejectsStaleSerializableReads = false
                try await withEtcdClient(configuration: unchecked) { etcd in
                    _ = try await etcd.put("ordering/k", value: "newest")
                    relay.set(.cut)
                    let old = try await etcd.get("ordering/k", consistency: .serializable)
                    #expect(old?.stringValue == "old")
                    let txn = try await etcd.txn(
                        if: [],
                        then: [.get(EtcdGetRequest(.key("ordering/k"), consistency: .serializable))]
                    )
                    guard case .get(let answer)? = txn.responses.first else {
                        Issue.record("expected a read's answer")
                        return
                    }
                    #expect(answer.keyValues.first?.stringValue == "old")
                }
            }
        }
    }
}
