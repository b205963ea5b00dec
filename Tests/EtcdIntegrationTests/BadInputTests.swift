import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

/// What a call with a bad argument must end with.
private enum Outcome: Sendable, CustomStringConvertible {
    /// An `EtcdError` with this code; when `notSent`, the client refused it before sending anything.
    case etcd(EtcdError.Code, notSent: Bool = false)
    /// `CancellationError`.
    case cancelled

    var description: String {
        switch self {
        case .etcd(let code, let notSent): "\(code)\(notSent ? " (not sent)" : "")"
        case .cancelled: "CancellationError"
        }
    }
}

/// One bad argument: what is called, and how it must fail.
private struct BadInput: Sendable {
    let name: String
    let outcome: Outcome
    let call: @Sendable (EtcdClient, String) async throws -> Void

    init(_ name: String, _ outcome: Outcome, _ call: @escaping @Sendable (EtcdClient, String) async throws -> Void) {
        self.name = name
        self.outcome = outcome
        self.call = call
    }
}

private let unknownLease = EtcdLeaseID(rawValue: 0x7eed_0000_0000_0001)

private let badInputs: [BadInput] = [
    BadInput("put with an empty key", .etcd(.emptyKey)) { etcd, _ in try await etcd.put("", value: "v") },
    BadInput("get with an empty key", .etcd(.emptyKey)) { etcd, _ in _ = try await etcd.get(EtcdKey("")) },
    BadInput("delete with an empty key", .etcd(.emptyKey)) { etcd, _ in try await etcd.delete(EtcdKey("")) },
    BadInput("a transaction that puts an empty key", .etcd(.emptyKey)) { etcd, prefix in
        _ = try await etcd.txn(if: [], then: [.put(EtcdKey(prefix + "ok"), value: "v"), .put("", value: "v")])
    },
    BadInput("get over a range whose end is before its start", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        _ = try await etcd.get(.range(from: EtcdKey(p + "b"), to: EtcdKey(p + "a")))
    },
    BadInput("delete over a range whose end is before its start", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        try await etcd.delete(.range(from: EtcdKey(p + "b"), to: EtcdKey(p + "a")))
    },
    BadInput("a transaction comparing over a reversed range", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        _ = try await etcd.txn(
            if: [.modRevision(.range(from: EtcdKey(p + "b"), to: EtcdKey(p + "a")), .greater, 0)],
            then: [.put(EtcdKey(p + "k"), value: "v")]
        )
    },
    BadInput("a nested transaction deleting a reversed range", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        _ = try await etcd.txn(
            if: [],
            then: [
                .put(EtcdKey(p + "k"), value: "v"),
                .txn(if: [], then: [.delete(.range(from: EtcdKey(p + "b"), to: EtcdKey(p + "a")))]),
            ]
        )
    },
    BadInput("a watch over a reversed range", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        try await etcd.watch(EtcdWatchRequest(.range(from: EtcdKey(p + "b"), to: EtcdKey(p + "a")))) { _ in }
    },
    BadInput("a watch from a negative revision", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        try await etcd.watch(EtcdWatchRequest(.prefix(EtcdKey(p)), startRevision: -1)) { _ in }
    },
    BadInput("get with a negative limit", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        _ = try await etcd.get(.prefix(EtcdKey(p)), limit: -1)
    },
    BadInput("get at a negative revision", .etcd(.invalidArgument, notSent: true)) { etcd, p in
        _ = try await etcd.get(.prefix(EtcdKey(p)), revision: -1)
    },
    BadInput("get at a future revision", .etcd(.futureRevision)) { etcd, p in
        _ = try await etcd.get(.prefix(EtcdKey(p)), revision: 1 << 40)
    },
    BadInput("compaction at a future revision", .etcd(.futureRevision)) { etcd, _ in
        try await etcd.compact(revision: 1 << 40)
    },
    BadInput("a lease with a time to live of zero", .etcd(.invalidArgument, notSent: true)) { etcd, _ in
        _ = try await etcd.grantLease(ttl: .zero)
    },
    BadInput("a lease with a negative time to live", .etcd(.invalidArgument, notSent: true)) { etcd, _ in
        _ = try await etcd.grantLease(ttl: .seconds(-5))
    },
    BadInput("a lease with a time to live over etcd's maximum", .etcd(.leaseTTLTooLarge)) { etcd, _ in
        _ = try await etcd.grantLease(ttl: .seconds(9_000_000_001))
    },
    BadInput("a put attached to a lease that does not exist", .etcd(.leaseNotFound)) { etcd, p in
        try await etcd.put(EtcdKey(p + "k"), value: "v", lease: unknownLease)
    },
    BadInput("renewing a lease that does not exist", .etcd(.leaseNotFound)) { etcd, _ in
        try await etcd.renewLease(unknownLease)
    },
    BadInput("revoking a lease that does not exist", .etcd(.leaseNotFound)) { etcd, _ in
        try await etcd.revokeLease(unknownLease)
    },
    BadInput("a value over the client's request limit", .etcd(.requestTooLarge, notSent: true)) { etcd, p in
        try await etcd.put(EtcdKey(p + "k"), value: [UInt8](repeating: 7, count: 3 << 20))
    },
    BadInput("a transaction with more operations than the server allows", .etcd(.tooManyOperations)) { etcd, p in
        _ = try await etcd.txn(if: [], then: (0..<129).map { .put(EtcdKey(p + "k\($0)"), value: "v") })
    },
    BadInput("a transaction that puts the same key twice", .etcd(.duplicateKey)) { etcd, p in
        _ = try await etcd.txn(if: [], then: [.put(EtcdKey(p + "k"), value: "1"), .put(EtcdKey(p + "k"), value: "2")])
    },
    BadInput("adding a user with an empty name", .etcd(.userEmpty)) { etcd, _ in
        try await etcd.addUser("", password: "pw")
    },
    BadInput("removing a member that does not exist", .etcd(.memberNotFound)) { etcd, _ in
        _ = try await etcd.removeMember(id: 0x1234_5678)
    },
    BadInput("a put from a task that is already cancelled", .cancelled) { etcd, p in
        withUnsafeCurrentTask { $0?.cancel() }
        try await etcd.put(EtcdKey(p + "k"), value: "v")
    },
    BadInput("a transaction from a task that is already cancelled", .cancelled) { etcd, p in
        withUnsafeCurrentTask { $0?.cancel() }
        _ = try await etcd.txn(if: [], then: [.put(EtcdKey(p + "k"), value: "v")])
    },
]

@Suite("Bad input: typed errors, nothing left on the server")
struct BadInputTests {
    @Test("every bad argument gets its typed error, and the store is left exactly as it was")
    func table() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let prefix = "bad-input/"
                let before = try await etcd.get(.prefix(EtcdKey(prefix))).header.revision
                for input in badInputs {
                    let outcome = await Task { try await input.call(etcd, prefix) }.result
                    switch (input.outcome, outcome) {
                    case (.etcd(let code, let notSent), .failure(let error as EtcdError)):
                        #expect(error.code == code, "\(input.name): \(error)")
                        if notSent { #expect(error.requestNotSent, "\(input.name): refused before sending") }
                    case (.cancelled, .failure(is CancellationError)):
                        break
                    default:
                        Issue.record("\(input.name): expected \(input.outcome), got \(outcome)")
                    }
                    let after = try await etcd.get(.prefix(EtcdKey(prefix)))
                    #expect(after.keyValues.isEmpty, "\(input.name): nothing is written")
                    #expect(after.header.revision == before, "\(input.name): the revision did not move")
                }
                #expect(try await etcd.leases().isEmpty, "no lease was granted")
            }
        }
    }

    @Test("a value over the server's request limit, with the client's limit off, gets requestTooLarge from etcd")
    func serverRequestLimit() async throws {
        try await withEtcdTestCluster { cluster in
            var configuration = cluster.clientConfiguration
            configuration.maxRequestBytes = nil
            try await withEtcdClient(configuration: configuration) { etcd in
                let before = try await etcd.get(.key("big")).header.revision
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.put("big", value: [UInt8](repeating: 7, count: 1_600_000))
                }
                #expect(error.code == .requestTooLarge)
                #expect(!error.requestNotSent, "the server refused it")
                let after = try await etcd.get(.key("big"))
                #expect(after.keyValues.isEmpty && after.header.revision == before)
            }
        }
    }

    @Test("a closed client refuses every kind of call with clientClosed, sending nothing")
    func closedClient() async throws {
        try await withEtcdTestCluster { cluster in
            let etcd = try EtcdClient(configuration: cluster.clientConfiguration)
            let before = try await etcd.put("k", value: "v").header.revision
            await etcd.close()
            let calls: [(String, @Sendable () async throws -> Void)] = [
                ("put", { try await etcd.put("k", value: "w") }),
                ("get", { _ = try await etcd.get(EtcdKey("k")) }),
                ("txn", { _ = try await etcd.txn(if: [], then: [.delete(EtcdKey("k"))]) }),
                ("grantLease", { _ = try await etcd.grantLease(ttl: .seconds(5)) }),
                ("watch", { try await etcd.watch(EtcdKey("k")) { _ in } }),
                ("status", { _ = try await etcd.status() }),
                ("keepAlive", { try await etcd.keepAlive(EtcdLeaseID(rawValue: 1)) { _ in } }),
                ("snapshot", { try await etcd.snapshot { _ in } }),
                ("observeWithService", { try await etcd.observeWithService(name: "e") { _ in } }),
                ("members", { _ = try await etcd.members() }),
            ]
            for (name, call) in calls {
                let error = try await #require(throws: EtcdError.self, "\(name)") { try await call() }
                #expect(error.code == .clientClosed, "\(name)")
            }
            try await withEtcdClient(configuration: cluster.clientConfiguration) { other in
                let stored = try await other.get(.key("k"))
                #expect(stored.keyValues.map(\.stringValue) == ["v"])
                #expect(stored.header.revision == before)
            }
        }
    }
}
