import EtcdClientCore

/// `-op lease-keepalive`: `-clients` leases of `-ttl` seconds, kept alive by the client's automatic keeper
/// (one stream for all of them) until `-total` renewals were acknowledged. One op is one acknowledged renewal;
/// the latency sample is the time between two renewals of one lease (ideally a third of the TTL), so its
/// tail shows late renewals. The Go peer has no such op.
struct LeaseKeepAliveWorkload: BenchWorkload {
    private var leases: [EtcdLeaseID] = []

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        result.latencyOf = "time between two acknowledged renewals of one lease"
        result.keySize = 0
        result.valueSize = 0
        result.extra["ttl_s"] = configuration.ttlSeconds
        for index in 0..<configuration.clients {
            let client = clients[index % clients.count]
            leases.append(try await client.grantLease(ttl: .seconds(configuration.ttlSeconds)).id)
        }
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let renewals = SharedCounter()
        let total = configuration.total
        let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (index, lease) in leases.enumerated() {
                let client = clients[index % clients.count]
                group.addTask {
                    try await client.keepAlive(lease) { keeper in
                        let clock = ContinuousClock()
                        var last: ContinuousClock.Instant?
                        var samples: [Duration] = []
                        for try await _ in keeper.heartbeats {
                            let now = clock.now
                            if let last { samples.append(now - last) }
                            last = now
                            if renewals.increment() + 1 >= total { break }
                        }
                        return samples
                    }
                }
            }
            var all: [Duration] = []
            for try await samples in group {
                all += samples
                if renewals.value >= total { group.cancelAll() }
            }
            return all
        }
        return samples
    }

    /// Revokes the leases, outside the measurement (the Go peer revokes after it too).
    func teardown(_ clients: [EtcdClient]) async throws {
        for (index, lease) in leases.enumerated() { try await clients[index % clients.count].revokeLease(lease) }
    }
}
