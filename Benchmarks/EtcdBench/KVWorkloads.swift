import EtcdClientCore

/// `-op put`: one Put of a new key per operation (`-keyspace N` cycles over N keys).
struct PutWorkload: BenchWorkload {
    var value: [UInt8] = []

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        value = makeValue(configuration.valueSize)
        result.latencyOf = "Put RPC"
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let value = value
        let (latencies, errors) = await runWorkers(configuration: configuration, clients: clients) { _, index, client in
            let key = configuration.keyNumber(forOperation: index)
            try await client.put(makeKey(configuration.prefix, key, configuration.keySize), value: value)
        }
        result.errors = errors
        return latencies
    }
}

/// `-op get`: single-key Range reads of preloaded keys in a seeded random order.
struct GetWorkload: BenchWorkload {
    var keyCount = 0
    var order: [Int] = []

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        guard configuration.consistency == "l" || configuration.consistency == "s" else {
            throw BenchError("consistency must be l or s")
        }
        result.consistency = configuration.consistency
        keyCount = configuration.keyspace > 0 ? configuration.keyspace : min(configuration.total, 10_000)
        result.latencyOf = "Range RPC (single key)"
        result.extra["keyspace"] = keyCount
        let value = makeValue(configuration.valueSize)
        var preload = configuration
        preload.total = keyCount
        preload.clients = 16
        let (_, errors) = await runWorkers(configuration: preload, clients: clients) { _, index, client in
            try await client.put(makeKey(configuration.prefix, index, configuration.keySize), value: value)
        }
        if errors > 0 { throw BenchError("preload failed \(errors) times") }
        var generator = SplitMix64(seed: configuration.seed)
        order = Array(0..<keyCount).shuffled(using: &generator)
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let order = order
        let keyCount = keyCount
        let consistency: EtcdConsistency = configuration.consistency == "s" ? .serializable : .linearizable
        let misses = SharedCounter()
        let (latencies, errors) = await runWorkers(configuration: configuration, clients: clients) { _, index, client in
            let key = makeKey(configuration.prefix, order[index % keyCount], configuration.keySize)
            if try await client.get(key, consistency: consistency) == nil { misses.increment() }
        }
        result.errors = errors
        result.extra["misses"] = misses.value
        return latencies
    }
}

/// `-op txn-put`: `If(CreateRevision(k) == 0) Then(Put k...) Else(Get k)`, create-if-absent.
struct TxnPutWorkload: BenchWorkload {
    var value: [UInt8] = []

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        value = makeValue(configuration.valueSize)
        result.latencyOf = "Txn RPC"
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let value = value
        let succeeded = SharedCounter()
        let (latencies, errors) = await runWorkers(configuration: configuration, clients: clients) { _, index, client in
            let key = configuration.keyNumber(forOperation: index)
            let first = makeKey(configuration.prefix, key * configuration.txnOps, configuration.keySize)
            let puts = (0..<configuration.txnOps).map { offset in
                EtcdOperation.put(
                    makeKey(configuration.prefix, key * configuration.txnOps + offset, configuration.keySize),
                    value: value
                )
            }
            let response = try await client.txn(
                if: [.createRevision(first, .equal, 0)],
                then: puts,
                else: [.get(first)]
            )
            if response.succeeded { succeeded.increment() }
        }
        result.errors = errors
        result.extra["succeeded"] = succeeded.value
        return latencies
    }
}
