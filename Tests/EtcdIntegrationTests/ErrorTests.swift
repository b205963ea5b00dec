import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Typed errors from a real etcd", .timeLimit(.minutes(1)))
struct ErrorTests {
    @Test("an empty key is rejected with emptyKey for get, put, delete and inside a transaction")
    func emptyKey() async throws {
        try await SharedEtcd.withClient { etcd in
            let put = try await #require(throws: EtcdError.self) { try await etcd.put(EtcdKey(""), value: "v") }
            #expect(put.code == .emptyKey)
            #expect(put.grpcStatusCode == 3)
            let get = try await #require(throws: EtcdError.self) { try await etcd.get(EtcdKey("")) }
            #expect(get.code == .emptyKey)
            let delete = try await #require(throws: EtcdError.self) { try await etcd.delete(EtcdKey("")) }
            #expect(delete.code == .emptyKey)
            let txn = try await #require(throws: EtcdError.self) {
                try await etcd.txn(if: [], then: [.put(EtcdKey(""), value: "v")])
            }
            #expect(txn.code == .emptyKey)
        }
    }

    @Test(
        "a value over the server's request limit is requestTooLarge and nothing is written",
        arguments: [1_700_000, 3 * 1024 * 1024]  // over etcd's 1.5 MiB limit; over gRPC's 2 MiB message limit
    )
    func oversizedValue(size: Int) async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("oversized") + "k")
            let value = [UInt8](repeating: 7, count: size)
            let error = try await #require(throws: EtcdError.self) { try await etcd.put(key, value: value) }
            #expect(error.code == .requestTooLarge, "\(error)")
            #expect(try await etcd.get(key) == nil)
            try await etcd.put(key, value: "small")  // the connection is still usable
            #expect(try await etcd.get(key)?.stringValue == "small")
        }
    }

    @Test("a put with an unknown lease is leaseNotFound; revoking it again too")
    func unknownLease() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("nolease") + "k")
            let missing = EtcdLeaseID(rawValue: 0x1234_5678)
            let put = try await #require(throws: EtcdError.self) { try await etcd.put(key, value: "v", lease: missing) }
            #expect(put.code == .leaseNotFound)
            let revoke = try await #require(throws: EtcdError.self) { try await etcd.revokeLease(missing) }
            #expect(revoke.code == .leaseNotFound)
            let chosen = try await etcd.grantLease(
                ttl: .seconds(30),
                id: EtcdLeaseID(rawValue: 0x7357_0000 + Int64.random(in: 0..<65_536))
            )
            let duplicate = try await #require(throws: EtcdError.self) {
                try await etcd.grantLease(ttl: .seconds(30), id: chosen.id)
            }
            #expect(duplicate.code == .leaseExists)
            try await etcd.revokeLease(chosen.id)
        }
    }

    @Test("keeping the value of a missing key is keyNotFound; a value with ignore-value is refused")
    func keepCurrentValueOfMissingKey() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("keep") + "k")
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.put(EtcdPutRequest(key, value: .keepCurrent))
            }
            #expect(error.code == .keyNotFound)
        }
    }

    @Test("a call's deadline gives deadlineExceeded")
    func deadline() async throws {
        try await SharedEtcd.withClient { etcd in
            var options = EtcdClient.CallOptions()
            options.timeout = .nanoseconds(1)
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.get(EtcdGetRequest(.all), options: options)
            }
            #expect(error.code == .deadlineExceeded)
        }
    }

    @Test("a cancelled caller gets CancellationError and the connection stays usable")
    func cancellation() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("cancel")
            let task = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<200 {
                        group.addTask { try await etcd.put(EtcdKey(prefix + "\(index)"), value: "v") }
                    }
                    try await group.waitForAll()
                }
            }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            let inner = Task { try await etcd.get(.prefix(EtcdKey(prefix))) }
            inner.cancel()
            await #expect(throws: CancellationError.self) { try await inner.value }
            let after = try await etcd.put(EtcdKey(prefix + "after"), value: "ok")
            #expect(after.header.revision > 0)
        }
    }

    @Test("an endpoint with nothing listening is tried until the deadline, then gives connectionFailed naming it")
    func refusedConnection() async throws {
        let port = try EtcdTestPortsAccess.closedPort()
        var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1", port: port)])
        configuration.connectTimeout = .seconds(2)
        configuration.defaultCallOptions.timeout = .seconds(1)
        try await withEtcdClient(configuration: configuration) { etcd in
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: EtcdError.self) { try await etcd.get(EtcdKey("k")) }
            // A refused connection may be a member restarting: the call goes on trying, with backoff, until its
            // deadline (the next attempt would pass it: the backoff reaches a few hundred milliseconds by then).
            #expect(clock.now - start > .milliseconds(300) && clock.now - start < .seconds(2))
            #expect(error.code == .connectionFailed)
            #expect(error.endpoint == "127.0.0.1:\(port)")
            #expect(error.requestNotSent)
            #expect(error.description.contains("127.0.0.1:\(port)"))
        }
    }

    @Test("a closed client refuses calls with clientClosed")
    func closedClient() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let etcd = try EtcdClient(configuration: cluster.clientConfiguration)
        _ = try await etcd.status()
        await etcd.close()
        let error = try await #require(throws: EtcdError.self) { try await etcd.get(EtcdKey("k")) }
        #expect(error.code == .clientClosed)
    }

    @Test("error descriptions never contain values")
    func descriptionsHideValues() async throws {
        try await SharedEtcd.withClient { etcd in
            let secret = "s3cr3t-value-\(Int.random(in: 0..<1_000_000))"
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.txn(if: [.value(EtcdKey(""), .equal, secret)], then: [.put(EtcdKey(""), value: secret)])
            }
            #expect(!error.description.contains(secret))
            #expect(!String(reflecting: error).contains(secret))
        }
    }
}

/// A port on which nothing listens.
enum EtcdTestPortsAccess {
    static func closedPort() throws -> Int {
        try EtcdTestFreePort.one()
    }
}
