import EtcdClientCore

/// Runs `total` operations over `clients` concurrent tasks; task `w` uses client `w % clients.count`.
///
/// - Returns: one latency sample per successful operation, and the number of failed ones.
func runWorkers(
    configuration: BenchConfiguration,
    clients: [EtcdClient],
    operation: @escaping @Sendable (_ worker: Int, _ index: Int, _ client: EtcdClient) async throws -> Void
) async -> (latencies: [Duration], errors: Int) {
    let next = SharedCounter()
    let errors = SharedCounter()
    let total = configuration.total
    let perWorker = await withTaskGroup(of: [Duration].self) { group in
        for worker in 0..<configuration.clients {
            let client = clients[worker % clients.count]
            group.addTask {
                var samples: [Duration] = []
                samples.reserveCapacity(total / configuration.clients + 1)
                let clock = ContinuousClock()
                while true {
                    let index = next.increment()
                    if index >= total { break }
                    let start = clock.now
                    do {
                        try await operation(worker, index, client)
                        samples.append(clock.now - start)
                    } catch {
                        if errors.increment() < 5 {
                            printError("op \(index): \(error)")
                        }
                    }
                }
                return samples
            }
        }
        var all: [Duration] = []
        for await samples in group { all += samples }
        return all
    }
    return (perWorker, errors.value)
}

/// `prefix` + the zero-padded decimal `index`, `size` bytes long (never shorter than prefix + index).
func makeKey(_ prefix: String, _ index: Int, _ size: Int) -> EtcdKey {
    let number = String(index)
    let padding = max(0, size - prefix.utf8.count - number.utf8.count)
    return EtcdKey(prefix + String(repeating: "0", count: padding) + number)
}

/// A value of `size` bytes cycling through `a`...`z`.
func makeValue(_ size: Int) -> [UInt8] {
    (0..<size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
}
