import EtcdClientCore
import EtcdMirror

/// `-op mirror-sync`, as the Go peer runs it: an untimed preload of `-total` keys (8 tasks, transactions of 100
/// puts); then the base sync of the prefix at the preload's revision through ``EtcdSyncer`` (each key applied to a
/// local map; ops/s are keys per second of this phase, latency the time between pages); then the updates, a watch
/// from the revision after, while `-clients` writers put `-updates` values to random existing keys with the send
/// time in the first 8 value bytes (lag: put issued until event received); untimed, the map must equal the prefix
/// at the last event's revision.
struct MirrorSyncWorkload: BenchWorkload {
    private static let preloadBatch = 100
    private var baseRevision: Int64 = 0
    private var updateKeys: [Int] = []

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        guard configuration.valueSize >= 8 else { throw BenchError("mirror-sync needs val-size >= 8") }
        result.latencyOf = "base sync: one page (time between pages received, the first from the start)"
        result.extra["updates"] = configuration.updates
        let clock = ContinuousClock()
        let start = clock.now
        let value = makeValue(configuration.valueSize)
        let batches = (configuration.total + Self.preloadBatch - 1) / Self.preloadBatch
        let next = SharedCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                let client = clients[task % clients.count]
                group.addTask {
                    while true {
                        let batch = next.increment()
                        if batch >= batches { return }
                        let keys =
                            (batch * Self.preloadBatch)..<min((batch + 1) * Self.preloadBatch, configuration.total)
                        let puts = keys.map {
                            EtcdOperation.put(makeKey(configuration.prefix, $0, configuration.keySize), value: value)
                        }
                        _ = try await client.txn(if: [], then: puts)
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = try await clients[0].get(
            EtcdGetRequest(.prefix(EtcdKey(configuration.prefix)), output: .countOnly)
        )
        guard count.count == configuration.total else {
            throw BenchError("preload: \(count.count) keys under \(configuration.prefix), want \(configuration.total)")
        }
        baseRevision = count.header.revision
        let elapsed = clock.now - start
        result.extra["preload_s"] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        result.extra["base_rev"] = baseRevision
        var generator = SplitMix64(seed: configuration.seed)
        updateKeys = (0..<configuration.updates).map { _ in Int(generator.next() % UInt64(configuration.total)) }
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let mirrorClient = clients[clients.count - 1]
        let writers = clients.count > 1 ? Array(clients.dropLast()) : clients
        let syncer = EtcdSyncer(client: mirrorClient, range: .prefix(EtcdKey(configuration.prefix)))
        let clock = ContinuousClock()

        // Phase 1: the base sync.
        let cpuBefore = selfCPUSeconds()
        let serverBefore = processCPUSeconds(configuration.serverPID)
        let start = clock.now
        var local: [EtcdKey: (value: [UInt8], modRevision: Int64)] = [:]
        local.reserveCapacity(configuration.total)
        var pages: [Duration] = []
        var last = start
        var baseKeys = 0
        for try await page in syncer.basePages(at: baseRevision) {
            let now = clock.now
            pages.append(now - last)
            last = now
            for keyValue in page.keyValues { local[keyValue.key] = (keyValue.value, keyValue.modRevision) }
            baseKeys += page.keyValues.count
        }
        let baseDuration = clock.now - start
        let cpuAfter = selfCPUSeconds()
        let serverAfter = processCPUSeconds(configuration.serverPID)
        result.timedPhase = (
            seconds(baseDuration), baseKeys, cpuAfter - cpuBefore,
            serverAfter.flatMap { after in serverBefore.map { after - $0 } }
        )
        result.extra["base_pages"] = pages.count
        result.extra["base_sync_s"] = seconds(baseDuration)
        result.extra["base_keys"] = baseKeys

        // Phase 2: updates while writers put.
        var lastRevision = baseRevision
        if configuration.updates > 0 {
            let origin = clock.now
            let updateCPUBefore = selfCPUSeconds()
            let (lags, events, responses, newest, elapsed) = try await syncer.updates(after: baseRevision) { watch in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var writing = configuration
                        writing.total = configuration.updates
                        let value = makeValue(configuration.valueSize)
                        let (_, errors) = await runWorkers(configuration: writing, clients: writers) {
                            _,
                            index,
                            client in
                            var stamped = value
                            let sent = UInt64((clock.now - origin).nanoseconds)
                            for byte in 0..<8 { stamped[byte] = UInt8(truncatingIfNeeded: sent >> (56 - 8 * byte)) }
                            try await client.put(
                                makeKey(configuration.prefix, updateKeys[index], configuration.keySize),
                                value: stamped
                            )
                        }
                        if errors > 0 { throw BenchError("\(errors) puts failed") }
                    }
                    var lags: [Duration] = []
                    var events = 0
                    var responses = 0
                    var newest = baseRevision
                    let updateStart = clock.now
                    for try await response in watch where !response.events.isEmpty {
                        let received = (clock.now - origin).nanoseconds
                        responses += 1
                        for event in response.events {
                            let keyValue = event.keyValue
                            if event.kind == .delete {
                                local[keyValue.key] = nil
                            } else {
                                local[keyValue.key] = (keyValue.value, keyValue.modRevision)
                            }
                            newest = max(newest, keyValue.modRevision)
                            if keyValue.value.count >= 8 {
                                let sent = keyValue.value.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                                lags.append(.nanoseconds(received - Int64(sent)))
                            }
                            events += 1
                        }
                        if events >= configuration.updates { break }
                    }
                    let elapsed = clock.now - updateStart
                    try await group.waitForAll()
                    return (lags, events, responses, newest, elapsed)
                }
            }
            let updateCPU = selfCPUSeconds() - updateCPUBefore
            lastRevision = newest
            result.extra["update_phase_s"] = seconds(elapsed)
            result.extra["updates_per_sec"] = Double(events) / seconds(elapsed)
            result.extra["update_watch_responses"] = responses
            result.extra["update_client_cpu_us_per_op"] = updateCPU * 1e6 / Double(max(1, events))
            let sorted = lags.sorted()
            if !sorted.isEmpty {
                func percentile(_ p: Double) -> Double {
                    milliseconds(sorted[min(max(Int(Double(sorted.count) * p + 0.5) - 1, 0), sorted.count - 1)])
                }
                result.extra["update_lag_p50_ms"] = percentile(0.50)
                result.extra["update_lag_p99_ms"] = percentile(0.99)
                result.extra["update_lag_max_ms"] = milliseconds(sorted[sorted.count - 1])
            }
        }

        // Untimed: the map must equal the prefix at the last revision seen.
        let stored = try await clients[0].get(
            EtcdGetRequest(.prefix(EtcdKey(configuration.prefix)), revision: lastRevision)
        )
        var mismatches = 0
        var seen = 0
        for keyValue in stored.keyValues {
            guard let mine = local[keyValue.key] else {
                mismatches += 1
                continue
            }
            seen += 1
            if mine.value != keyValue.value || mine.modRevision != keyValue.modRevision { mismatches += 1 }
        }
        mismatches += local.count - seen
        result.extra["last_rev"] = lastRevision
        result.extra["verified_keys"] = stored.keyValues.count
        result.extra["mismatches"] = mismatches
        result.extra["verified"] = mismatches == 0
        result.errors += mismatches
        return pages
    }
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

private func milliseconds(_ duration: Duration) -> Double {
    (seconds(duration) * 1e6).rounded() / 1e3
}

extension Duration {
    /// The whole nanoseconds in this duration.
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
