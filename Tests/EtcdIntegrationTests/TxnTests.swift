import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Transactions against a real etcd", .timeLimit(.minutes(1)))
struct TxnTests {
    @Test("create-if-absent claims once, then reads the owner in the else branch")
    func createIfAbsent() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("claim") + "owner")
            let claim = try await etcd.txn(if: [.missing(key)], then: [.put(key, value: "node-a")], else: [.get(key)])
            #expect(claim.succeeded)
            guard case .put(let put)? = claim.responses.first else {
                Issue.record("expected a put response, got \(claim.responses)")
                return
            }
            #expect(put.header.revision == claim.header.revision)
            let second = try await etcd.txn(if: [.missing(key)], then: [.put(key, value: "node-b")], else: [.get(key)])
            #expect(!second.succeeded)
            guard case .get(let current)? = second.responses.first else {
                Issue.record("expected a get response, got \(second.responses)")
                return
            }
            #expect(current.keyValues.first?.stringValue == "node-a")
        }
    }

    @Test(
        "every compare target with every operator",
        arguments: [
            EtcdCompare.Operator.equal, .notEqual, .less, .greater,
        ]
    )
    func compareTargets(comparison: EtcdCompare.Operator) async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("compare") + "k")
            let lease = try await etcd.grantLease(ttl: .seconds(60))
            let put = try await etcd.put(key, value: "m", lease: lease.id)
            try await etcd.put(key, value: "m", lease: lease.id)  // version 2
            let kv = try #require(try await etcd.get(key))
            func holds<T: Comparable>(_ actual: T, _ given: T) -> Bool {
                switch comparison {
                case .equal: actual == given
                case .notEqual: actual != given
                case .less: actual < given
                case .greater: actual > given
                }
            }
            let cases: [(EtcdCompare, Bool)] = [
                (.value(key, comparison, "m"), holds("m", "m")),
                (.value(key, comparison, "a"), holds("m", "a")),
                (.value(key, comparison, "z"), holds("m", "z")),
                (.version(key, comparison, 2), holds(kv.version, 2)),
                (.version(key, comparison, 1), holds(kv.version, 1)),
                (.createRevision(key, comparison, put.header.revision), holds(kv.createRevision, put.header.revision)),
                (
                    .createRevision(key, comparison, put.header.revision + 1),
                    holds(kv.createRevision, put.header.revision + 1)
                ),
                (.modRevision(key, comparison, kv.modRevision), holds(kv.modRevision, kv.modRevision)),
                (.modRevision(key, comparison, kv.modRevision - 1), holds(kv.modRevision, kv.modRevision - 1)),
                (.lease(key, comparison, lease.id), holds(lease.id.rawValue, lease.id.rawValue)),
                (
                    .lease(key, comparison, EtcdLeaseID(rawValue: lease.id.rawValue + 1)),
                    holds(lease.id.rawValue, lease.id.rawValue + 1)
                ),
            ]
            for (compare, expected) in cases {
                let response = try await etcd.txn(if: [compare], then: [], else: [])
                #expect(response.succeeded == expected, "\(compare)")
            }
            try await etcd.revokeLease(lease.id)
        }
    }

    @Test("then and else branches run get, put, delete and nested transactions")
    func branchesAndNesting() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("branches")
            let a = EtcdKey(prefix + "a")
            let b = EtcdKey(prefix + "b")
            let c = EtcdKey(prefix + "c")
            try await etcd.put(a, value: "1")
            try await etcd.put(c, value: "gone soon")
            let response = try await etcd.txn(
                if: [.value(a, .equal, "1")],
                then: [
                    .get(EtcdGetRequest(.prefix(EtcdKey(prefix)))),
                    .put(b, value: "2", includePrevious: true),
                    .delete(c, includePrevious: true),
                    .txn(if: [.missing(b)], then: [.put(EtcdKey(prefix + "nested"), value: "yes")], else: []),
                ],
                else: [.put(EtcdKey(prefix + "wrong"), value: "x")]
            )
            #expect(response.succeeded)
            #expect(response.responses.count == 4)
            guard case .get(let read) = response.responses[0], case .put(let put) = response.responses[1],
                case .delete(let deleted) = response.responses[2], case .txn(let nested) = response.responses[3]
            else {
                Issue.record("unexpected responses \(response.responses)")
                return
            }
            #expect(read.keyValues.map(\.stringValue) == ["1", "gone soon"])
            #expect(put.previous == nil)
            #expect(deleted.deleted == 1)
            #expect(deleted.previous.first?.stringValue == "gone soon")
            // etcd evaluates every comparison of the whole transaction tree against the state before it runs.
            #expect(nested.succeeded, "the nested transaction's comparison sees the state before the transaction")
            #expect(try await etcd.get(EtcdKey(prefix + "nested"))?.stringValue == "yes")
            #expect(try await etcd.get(EtcdKey(prefix + "wrong")) == nil)
            // All writes of one transaction share one revision.
            #expect(try await etcd.get(b)?.modRevision == response.header.revision)
        }
    }

    @Test("too many operations and duplicate keys are typed errors that change nothing")
    func txnErrors() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("txnerrors")
            let many = (0..<129).map { EtcdOperation.put(EtcdKey(prefix + "k\($0)"), value: "v") }
            let tooMany = try await #require(throws: EtcdError.self) { try await etcd.txn(if: [], then: many) }
            #expect(tooMany.code == .tooManyOperations)
            let key = EtcdKey(prefix + "dup")
            let duplicate = try await #require(throws: EtcdError.self) {
                try await etcd.txn(if: [], then: [.put(key, value: "1"), .put(key, value: "2")])
            }
            #expect(duplicate.code == .duplicateKey)
            #expect(try await etcd.count(.prefix(EtcdKey(prefix))) == 0)
        }
    }
}
