import EtcdClientCore
import EtcdConcurrency

/// `-op stm-transfer`: `-accounts` keys with a balance of 1,000; `-clients` tasks run STM transfers of 1...10
/// between two distinct random accounts at `-isolation`, until `-total` have committed, as the Go peer does with
/// `concurrency.NewSTM`. Latency is the call until commit, retries included; the balance sum is checked.
struct STMTransferWorkload: BenchWorkload {
    private static let initialBalance = 1_000
    private var accounts: [EtcdKey] = []
    private var level = EtcdSTMIsolation.serializable

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        switch configuration.isolation {
        case "serializable": level = .serializable
        case "serializable-snapshot": level = .serializableSnapshot
        case "repeatable-reads": level = .repeatableReads
        case "read-committed": level = .readCommitted
        default: throw BenchError("unknown isolation \(configuration.isolation)")
        }
        guard configuration.accounts >= 2 else { throw BenchError("need >= 2 accounts") }
        for index in 0..<configuration.accounts {
            // The Go peer's "%saccount/%03d".
            let accountPrefix = configuration.prefix + "account/"
            let key = makeKey(accountPrefix, index, accountPrefix.utf8.count + 3)
            accounts.append(key)
            try await clients[0].put(key, value: String(Self.initialBalance))
        }
        result.keySize = 0
        result.valueSize = 0
        result.latencyOf = "EtcdClient.stm call to commit (includes retries)"
        result.extra["accounts"] = configuration.accounts
        result.extra["isolation"] = configuration.isolation
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let accounts = accounts
        let level = level
        let attempts = SharedCounter()
        let insufficient = SharedCounter()
        let (latencies, errors) = await runWorkers(configuration: configuration, clients: clients) { _, index, client in
            var generator = SplitMix64(seed: configuration.seed &* 1_000_003 &+ UInt64(index))
            let from = Int(generator.next() % UInt64(accounts.count))
            var to = Int(generator.next() % UInt64(accounts.count - 1))
            if to >= from { to += 1 }
            let amount = 1 + Int(generator.next() % 10)
            try await client.stm(level: level, maxAttempts: 10_000) { tx in
                attempts.increment()
                guard let fromBalance = Int(try await tx.getString(accounts[from]) ?? ""),
                    let toBalance = Int(try await tx.getString(accounts[to]) ?? "")
                else { throw BenchError("an account balance is not a number") }
                guard fromBalance >= amount else {
                    insufficient.increment()
                    return  // commits a read-only transaction
                }
                tx.put(accounts[from], value: String(fromBalance - amount))
                tx.put(accounts[to], value: String(toBalance + amount))
            }
        }
        var sum = 0
        for account in accounts { sum += Int(try await clients[0].get(account)?.stringValue ?? "") ?? 0 }
        result.errors = errors
        result.extra["committed"] = latencies.count
        result.extra["attempts"] = attempts.value
        result.extra["retries"] = attempts.value - latencies.count
        result.extra["insufficient_funds"] = insufficient.value
        result.extra["balance_sum_ok"] = sum == Self.initialBalance * accounts.count
        return latencies
    }
}
