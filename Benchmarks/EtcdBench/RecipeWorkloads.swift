import EtcdClientCore
import EtcdConcurrency
import Synchronization

/// Counts how many contenders believe they hold a lock or lead at once.
private final class ExclusionCheck: Sendable {
    let holders = Atomic<Int>(0)
    let violations = Atomic<Int>(0)

    func enter() {
        if holders.wrappingAdd(1, ordering: .relaxed).newValue != 1 { violations.wrappingAdd(1, ordering: .relaxed) }
    }

    func leave() { holders.wrappingSubtract(1, ordering: .relaxed) }
}

/// `-op lock` and `-op election-campaign-resign`: `-clients` contenders, each with its own session
/// (`-ttl` seconds), on connection `i % conns`, lock then unlock (or campaign then resign) until `-total`
/// acquisitions. Latency is the call until acquired, waiting for other holders included.
struct RecipeWorkload: BenchWorkload {
    enum Recipe { case lock, election }

    let recipe: Recipe
    private var sessions: [EtcdSession] = []

    init(_ recipe: Recipe) {
        self.recipe = recipe
    }

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        result.keySize = 0
        result.valueSize = 0
        for index in 0..<configuration.clients {
            let client = clients[index % clients.count]
            sessions.append(try await EtcdSession.start(client: client, ttl: .seconds(configuration.ttlSeconds)))
        }
        switch recipe {
        case .lock:
            result.latencyOf = "EtcdMutex.lock (call to acquired, includes waiting for other holders)"
            result.extra["hold_us"] = configuration.holdMicroseconds
        case .election:
            result.latencyOf = "EtcdElection.campaign (call to elected, includes waiting for other leaders)"
        }
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let next = SharedCounter()
        let errors = SharedCounter()
        let check = ExclusionCheck()
        let name =
            String(
                configuration.prefix.hasSuffix("/") ? configuration.prefix.dropLast() : Substring(configuration.prefix)
            )
            + (recipe == .lock ? "/lock" : "/election")
        let recipe = recipe
        let hold = Duration.microseconds(configuration.holdMicroseconds)
        let perContender = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (index, session) in sessions.enumerated() {
                group.addTask {
                    var samples: [Duration] = []
                    let clock = ContinuousClock()
                    let mutex = EtcdMutex(session: session, name: name)
                    let election = EtcdElection(session: session, name: name)
                    while next.increment() < configuration.total {
                        let start = clock.now
                        do {
                            switch recipe {
                            case .lock:
                                try await mutex.lock()
                                samples.append(clock.now - start)
                                check.enter()
                                if hold > .zero { try await Task.sleep(for: hold) }
                                check.leave()
                                try await mutex.unlock()
                            case .election:
                                let leadership = try await election.campaign(value: "candidate-\(index)")
                                samples.append(clock.now - start)
                                check.enter()
                                if hold > .zero { try await Task.sleep(for: hold) }
                                check.leave()
                                try await leadership.resign()
                            }
                        } catch {
                            if errors.increment() < 5 { printError("\(recipe): \(error)") }
                        }
                    }
                    return samples
                }
            }
            var all: [[Duration]] = []
            for try await samples in group { all.append(samples) }
            return all
        }
        result.errors = errors.value
        switch recipe {
        case .lock:
            result.extra["mutual_exclusion_violations"] = check.violations.load(ordering: .relaxed)
            result.extra["acquisitions_per_contender"] = perContender.map(\.count)
        case .election:
            result.extra["single_leader_violations"] = check.violations.load(ordering: .relaxed)
        }
        return perContender.flatMap { $0 }
    }

    /// Closes the sessions (revoking their leases), outside the measurement, as the Go peer's cleanup does.
    func teardown(_ clients: [EtcdClient]) async throws {
        for session in sessions { try await session.close() }
    }
}
