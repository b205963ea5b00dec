import EtcdClientCore
import Foundation

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The workload of one `-op`.
protocol BenchWorkload {
    /// Untimed preparation.
    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws
    /// The timed section: `configuration.total` operations.
    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration]
    /// Untimed clean-up after the measurement, as the Go peers do theirs.
    func teardown(_ clients: [EtcdClient]) async throws
}

extension BenchWorkload {
    /// Nothing to clean up.
    func teardown(_ clients: [EtcdClient]) async throws {}
}

func makeWorkload(_ op: String) throws -> any BenchWorkload {
    switch op {
    case "put": return PutWorkload()
    case "get": return GetWorkload()
    case "txn-put": return TxnPutWorkload()
    case "watch-events": return WatchEventsWorkload()
    case "lease-keepalive": return LeaseKeepAliveWorkload()
    case "lock": return RecipeWorkload(.lock)
    case "election-campaign-resign": return RecipeWorkload(.election)
    case "stm-transfer": return STMTransferWorkload()
    case "mirror-sync": return MirrorSyncWorkload()
    default: throw BenchError("unknown or not yet supported op \(op)")
    }
}

func runBench() async throws {
    let configuration = try BenchConfiguration(arguments: Array(CommandLine.arguments.dropFirst()))
    guard let endpoint = EtcdEndpoint(configuration.endpoint) else {
        throw BenchError("bad -endpoint \(configuration.endpoint)")
    }
    var clientConfiguration = EtcdClient.Configuration(endpoints: [endpoint])
    clientConfiguration.defaultCallOptions.timeout = .seconds(configuration.timeoutSeconds)
    let clients = try (0..<configuration.conns).map { _ in try EtcdClient(configuration: clientConfiguration) }
    do {
        var serverVersion = ""
        for client in clients { serverVersion = try await client.status().version }
        var result = BenchResult()
        result.serverVersion = serverVersion
        result.op = configuration.op
        result.total = configuration.total
        result.clients = configuration.clients
        result.conns = configuration.conns
        result.keySize = configuration.keySize
        result.valueSize = configuration.valueSize
        var workload = try makeWorkload(configuration.op)
        try await workload.setup(configuration, clients, &result)

        let cpuBefore = selfCPUSeconds()
        let serverBefore = processCPUSeconds(configuration.serverPID)
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await workload.run(configuration, clients, &result)
        let elapsed = clock.now - start
        let cpuAfter = selfCPUSeconds()
        let serverAfter = processCPUSeconds(configuration.serverPID)
        try await workload.teardown(clients)

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        result.elapsedSeconds = seconds
        result.opsPerSecond = Double(configuration.total) / seconds
        result.fillLatency(latencies)
        result.clientCPUSeconds = cpuAfter - cpuBefore
        result.clientCPUMicrosecondsPerOp = (cpuAfter - cpuBefore) * 1e6 / Double(configuration.total)
        if let serverBefore, let serverAfter {
            result.serverCPUSeconds = serverAfter - serverBefore
            result.serverCPUMicrosecondsPerOp = (serverAfter - serverBefore) * 1e6 / Double(configuration.total)
        }
        if let phase = result.timedPhase, phase.operations > 0, phase.seconds > 0 {
            result.elapsedSeconds = phase.seconds
            result.opsPerSecond = Double(phase.operations) / phase.seconds
            result.clientCPUSeconds = phase.clientCPU
            result.clientCPUMicrosecondsPerOp = phase.clientCPU * 1e6 / Double(phase.operations)
            result.serverCPUSeconds = phase.serverCPU
            result.serverCPUMicrosecondsPerOp = phase.serverCPU.map { $0 * 1e6 / Double(phase.operations) }
        }
        var peak = rusage()
        getrusage(RUSAGE_SELF.rawValue, &peak)
        result.extra["peak_rss_mb"] = Double(peak.ru_maxrss / 1024)
        print(try result.json())
        do {
            try await clients[0].delete(.prefix(EtcdKey(configuration.prefix)))
        } catch {
            printError("cleanup: \(error)")
        }
    } catch {
        for client in clients { await client.close() }
        throw error
    }
    for client in clients { await client.close() }
}

do {
    try await runBench()
} catch {
    printError("etcd-bench: \(error)")
    exit(1)
}
