import EtcdClientCore
import Testing
import _EtcdTestSupport

/// Serializable reads after a failover never go back to an older revision than the client has seen.
///
/// A member that lags is played by a second, separate etcd whose store is at a lower revision: to the client
/// it is an endpoint that answers from the past. (Holding back raft traffic to a real member is not possible
/// with a relay on loopback: a member receives raft messages over connections it dials itself.)
@Suite("Ordering of serializable reads", .timeLimit(.minutes(2)))
struct OrderingTests {
    @Test("an endpoint behind what the client has seen is skipped; with only such endpoints the read is staleRead")
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
                }
            }
        }
    }
}
