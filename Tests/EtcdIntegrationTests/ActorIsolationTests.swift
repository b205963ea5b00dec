import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport

/// State that is not `Sendable`, as an actor keeps it.
private final class Tally {
    var entries: [String] = []
}

/// A service actor that uses every scoped API from its own isolation, touching its non-`Sendable` state inside
/// each body: this compiles only when the scoped APIs run their bodies on the caller's actor.
private actor ActorService {
    private let tally = Tally()
    private let configuration: EtcdClient.Configuration
    private let prefix: String

    init(configuration: EtcdClient.Configuration, prefix: String) {
        self.configuration = configuration
        self.prefix = prefix
    }

    func record(_ entry: String) {
        tally.entries.append(entry)
    }

    func useEveryScope() async throws -> [String] {
        try await withEtcdClient(configuration: configuration) { etcd in
            tally.entries.append("client")
            try await etcd.put(EtcdKey(prefix + "watched"), value: "v1")
            try await etcd.watch(.key(EtcdKey(prefix + "watched")), startRevision: 1) { responses in
                for try await response in responses where !response.events.isEmpty {
                    tally.entries.append("watch")
                    break
                }
            }
            try await etcd.watch(EtcdKey(prefix + "watched"), startRevision: 1) { responses in
                for try await _ in responses {
                    tally.entries.append("watch key")
                    break
                }
            }
            try await etcd.watch(EtcdWatchRequest(.key(EtcdKey(prefix + "watched")), startRevision: 1)) { responses in
                for try await _ in responses {
                    tally.entries.append("watch request")
                    break
                }
            }
            let lease = try await etcd.grantLease(ttl: .seconds(10))
            try await etcd.keepAlive(lease.id) { keeper in
                for try await _ in keeper.heartbeats {
                    tally.entries.append("keepAlive")
                    break
                }
            }
            try await etcd.revokeLease(lease.id)
            try await etcd.withSession(ttl: .seconds(10)) { session in
                await self.record("session")
                try await EtcdMutex(session: session, name: self.prefix + "lock").withLock { _ in
                    await self.record("lock")
                }
                let election = EtcdElection(session: session, name: self.prefix + "election")
                try await election.campaign(value: "leader") { _ in
                    await self.record("campaign")
                }
            }
            try await etcd.stm { tx in
                let value = try await tx.getString(EtcdKey(prefix + "watched"))
                tally.entries.append("stm \(value ?? "nil")")
                tx.put(EtcdKey(prefix + "stm"), value: "done")
            }
            let session = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            try await EtcdElection(session: session, name: prefix + "election").observe { changes in
                for try await _ in changes {
                    tally.entries.append("observe")
                    break
                }
            }
            try await session.close()
        }
        return tally.entries
    }
}

@Suite("Scoped APIs called from an actor", .timeLimit(.minutes(1)))
struct ActorIsolationTests {
    @Test("each scoped API runs its body on the calling actor, with the actor's non-Sendable state at hand")
    func everyScopeFromAnActor() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let service = ActorService(
            configuration: cluster.clientConfiguration,
            prefix: SharedEtcd.uniquePrefix("actor")
        )
        let entries = try await service.useEveryScope()
        #expect(Array(entries.prefix(5)) == ["client", "watch", "watch key", "watch request", "keepAlive"])
        #expect(entries.contains("session") && entries.contains("lock") && entries.contains("campaign"))
        #expect(entries.contains("stm v1"))
        #expect(entries.last == "observe")
    }
}
