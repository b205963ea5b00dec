import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Client-side message size limits and range compares against a real etcd", .timeLimit(.minutes(1)))
struct ClientLimitsTests {
    @Test("a request above maxRequestBytes fails with requestTooLarge before anything is sent, and writes nothing")
    func requestLimit() async throws {
        let cluster = try await SharedEtcd.shared.get()
        var configuration = cluster.clientConfiguration
        configuration.maxRequestBytes = 1024
        try await withEtcdClient(configuration: configuration) { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("limit") + "big")
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.put(key, value: [UInt8](repeating: 1, count: 2048))
            }
            #expect(error.code == .requestTooLarge, "\(error)")
            #expect(error.requestNotSent)
            #expect(error.message.contains("1024"), "\(error.message)")
            #expect(try await etcd.get(key) == nil)
            try await etcd.put(key, value: "small")
            #expect(try await etcd.get(key)?.stringValue == "small")
        }
    }

    @Test("a response above maxResponseBytes fails with responseTooLarge, and the client goes on working")
    func responseLimit() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let prefix = SharedEtcd.uniquePrefix("limit")
        try await SharedEtcd.withClient { etcd in
            try await etcd.put(EtcdKey(prefix + "big"), value: [UInt8](repeating: 2, count: 8192))
            try await etcd.put(EtcdKey(prefix + "small"), value: "s")
        }
        var configuration = cluster.clientConfiguration
        configuration.maxResponseBytes = 4096
        try await withEtcdClient(configuration: configuration) { etcd in
            let error = try await #require(throws: EtcdError.self) { try await etcd.get(EtcdKey(prefix + "big")) }
            #expect(error.code == .responseTooLarge, "\(error)")
            #expect(try await etcd.get(EtcdKey(prefix + "small"))?.stringValue == "s")
        }
    }

    @Test("a watch whose response is above maxResponseBytes ends with responseTooLarge instead of re-opening forever")
    func watchResponseLimit() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let prefix = SharedEtcd.uniquePrefix("limit-watch")
        var configuration = cluster.clientConfiguration
        configuration.maxResponseBytes = 4096
        try await withEtcdClient(configuration: configuration) { etcd in
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.watch(.prefix(EtcdKey(prefix))) { responses in
                    try await etcd.put(EtcdKey(prefix + "big"), value: [UInt8](repeating: 3, count: 8192))
                    for try await _ in responses {}
                }
            }
            #expect(error.code == .responseTooLarge, "\(error)")
        }
    }

    @Test("a compare over a prefix holds only while it holds for every key under it")
    func rangeCompare() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("range-compare")
            let start = try await etcd.put(EtcdKey(prefix + "a"), value: "1").header.revision
            try await etcd.put(EtcdKey(prefix + "b"), value: "1")
            let unchanged = try await etcd.txn(
                if: [.version(.prefix(EtcdKey(prefix)), .equal, 1), .value(.prefix(EtcdKey(prefix)), .equal, "1")],
                then: [],
                else: []
            )
            #expect(unchanged.succeeded)
            try await etcd.put(EtcdKey(prefix + "b"), value: "2")
            let afterUpdate = try await etcd.txn(if: [.version(.prefix(EtcdKey(prefix)), .equal, 1)], then: [])
            #expect(!afterUpdate.succeeded)
            // "Nothing under the prefix changed since start + 1" is false now; over [a, b) only "a" counts.
            let since = try await etcd.txn(if: [.modRevision(.prefix(EtcdKey(prefix)), .less, start + 1)], then: [])
            #expect(!since.succeeded)
            let onlyA = try await etcd.txn(
                if: [.modRevision(.range(from: EtcdKey(prefix + "a"), to: EtcdKey(prefix + "b")), .less, start + 1)],
                then: []
            )
            #expect(onlyA.succeeded)
            // A range with no key compares as one missing key.
            let none = EtcdKeyRange.prefix(EtcdKey(prefix + "none/"))
            #expect(try await etcd.txn(if: [.version(none, .equal, 0)], then: []).succeeded)
            #expect(try await !etcd.txn(if: [.createRevision(none, .greater, 0)], then: []).succeeded)
        }
    }
}
