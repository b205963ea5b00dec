import EtcdClientCore
import EtcdTesting
import _EtcdTestSupport

/// A fault the chaos nemesis injects into one member, or into the path between the clients and it.
enum ChaosFault: String, CaseIterable, Sendable, Codable {
    /// SIGKILL, then a restart on the same data after the hold.
    case kill
    /// SIGTERM and an immediate restart: a clean restart.
    case restart
    /// SIGSTOP for the hold, then SIGCONT.
    case pause
    /// The member's peer traffic cut both ways (it keeps serving clients, without a leader).
    case cutOff
    /// The clients' path to the member stalls: connections stay open, nothing moves.
    case blackhole
    /// The clients' path to the member swallows every byte.
    case drop
    /// The clients' path to the member delays every byte by 50 to 250 ms.
    case delay
    /// The clients' connections to the member are reset after 0 to 4 KiB more bytes.
    case reset
}

/// Injects one fault at a time into a three-member cluster, chosen by a seeded generator, the leader most of all.
///
/// The same seed gives the same kinds, holds, pauses and choices of "the leader" or "member N"; which member
/// leads at each moment is up to etcd.
struct ChaosNemesis {
    /// How often a fault goes to the leader, in percent.
    static let leaderShare: UInt64 = 60

    let cluster: EtcdTestCluster
    /// One relay per member, between every workload client and the member.
    let clientRelays: [EtcdTestRelay]
    /// Each member's ID, for ``EtcdTestCluster/isolate(_:memberID:)``.
    let memberIDs: [UInt64]
    var random: SplitMix64

    /// Injects faults until `deadline`, healing each before the next, and returns what it did.
    mutating func run(until deadline: ContinuousClock.Instant) async throws -> ChaosFaultCounts {
        var counts = ChaosFaultCounts()
        while ContinuousClock.now < deadline {
            let fault = ChaosFault.allCases[draw(ChaosFault.allCases.count)]
            let aimsAtLeader = draw(100) < Self.leaderShare
            let randomMember = draw(cluster.members.count)
            let leader = cluster.members.firstIndex { $0.metric("etcd_server_is_leader") == 1 }
            let target = aimsAtLeader ? leader ?? randomMember : randomMember
            let hold = Duration.milliseconds(300 + draw(1_200))
            counts.record(fault, onLeader: target == leader)
            try await inject(fault, into: target, for: hold)
            for member in cluster.members { try await member.waitUntilHealthy(timeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(200 + draw(600)))
        }
        return counts
    }

    private mutating func draw(_ bound: Int) -> Int {
        Int(random.next() % UInt64(bound))
    }

    private mutating func draw(_ bound: UInt64) -> UInt64 {
        random.next() % bound
    }

    /// Injects `fault` into member `index`, holds it, and undoes it, also when the task is cancelled.
    private mutating func inject(_ fault: ChaosFault, into index: Int, for hold: Duration) async throws {
        let member = cluster.members[index]
        let relay = clientRelays[index]
        switch fault {
        case .kill:
            member.kill()
            try? await Task.sleep(for: hold)
            try member.start()
        case .restart:
            member.stop()
            try member.start()
        case .pause:
            member.pause()
            try? await Task.sleep(for: hold)
            member.resume()
        case .cutOff:
            cluster.isolate(index, memberID: memberIDs[index])
            try? await Task.sleep(for: hold)
            cluster.heal()
        case .blackhole, .drop, .delay, .reset:
            let mode: EtcdTestRelay.Mode
            switch fault {
            case .blackhole: mode = .stall
            case .drop: mode = .drop
            case .delay: mode = .delay(.milliseconds(50 + draw(200)))
            default: mode = .reset(afterBytes: draw(4_096))
            }
            relay.set(mode)
            try? await Task.sleep(for: hold)
            relay.set(.pass)
        }
        try Task.checkCancellation()
    }
}

/// How many faults of each kind a chaos run injected, and how many hit the member that led at the time.
struct ChaosFaultCounts: Sendable, Codable, Equatable {
    var byKind: [String: Int] = [:]
    var onLeader = 0
    var total = 0

    mutating func record(_ fault: ChaosFault, onLeader leader: Bool) {
        byKind[fault.rawValue, default: 0] += 1
        total += 1
        if leader { onLeader += 1 }
    }
}
