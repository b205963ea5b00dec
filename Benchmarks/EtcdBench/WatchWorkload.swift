import EtcdClientCore
import Foundation
import _EtcdTransport

/// `-op watch-events`: one prefix watch (on the last connection, created before timing) while `-clients`
/// writers put `-total` keys on the other connections. Each value carries its send time in its first 8 bytes;
/// latency is put issued until event received; ops/s is events over first put issued until last event.
struct WatchEventsWorkload: BenchWorkload {
    /// The events the watcher saw, handed from its task to the timed section.
    private final class Collector: Sendable {
        let latencies = LockedValue<[Duration]>([])
        let responses = LockedValue(0)
    }

    private let collector = Collector()
    private var watcher: Task<Void, any Error>?
    private var value: [UInt8] = []

    mutating func setup(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws {
        guard configuration.valueSize >= 8 else { throw BenchError("watch-events needs val-size >= 8") }
        value = makeValue(configuration.valueSize)
        result.latencyOf = "put issued -> watch event received"
        let watchClient = clients[clients.count - 1]
        let collector = collector
        let total = configuration.total
        let (created, createdContinuation) = AsyncStream<Void>.makeStream()
        watcher = Task {
            try await watchClient.watch(.prefix(EtcdKey(configuration.prefix))) { responses in
                createdContinuation.yield()
                createdContinuation.finish()
                var count = 0
                for try await response in responses {
                    let now = monotonicNanoseconds()
                    var batch: [Duration] = []
                    batch.reserveCapacity(response.events.count)
                    for event in response.events where event.keyValue.value.count >= 8 {
                        let sent = event.keyValue.value.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                        batch.append(.nanoseconds(Int64(now) - Int64(sent)))
                    }
                    count += batch.count
                    collector.latencies.withLock { $0 += batch }
                    collector.responses.withLock { $0 += 1 }
                    if count >= total { return }
                }
                throw BenchError("the watch ended early")
            }
        }
        for await _ in created { break }
    }

    func run(
        _ configuration: BenchConfiguration,
        _ clients: [EtcdClient],
        _ result: inout BenchResult
    ) async throws -> [Duration] {
        let writers = clients.count > 1 ? Array(clients.dropLast()) : clients
        let template = value
        let clock = ContinuousClock()
        let start = clock.now
        var writeConfiguration = configuration
        writeConfiguration.clients = configuration.clients
        let (_, errors) = await runWorkers(configuration: writeConfiguration, clients: writers) { _, index, client in
            var value = template
            let sent = monotonicNanoseconds()
            for byte in 0..<8 { value[byte] = UInt8(truncatingIfNeeded: sent >> (56 - 8 * UInt64(byte))) }
            try await client.put(makeKey(configuration.prefix, index, configuration.keySize), value: value)
        }
        let writeElapsed = clock.now - start
        result.errors += errors
        if errors > 0 { throw BenchError("\(errors) puts failed") }
        try await watcher?.value
        let seconds = Double(writeElapsed.components.seconds) + Double(writeElapsed.components.attoseconds) / 1e18
        result.extra["writer_elapsed_s"] = (seconds * 10_000).rounded() / 10_000
        result.extra["watch_responses"] = collector.responses.withLock { $0 }
        let latencies = collector.latencies.withLock { $0 }
        result.extra["events"] = latencies.count
        return latencies
    }
}

/// Monotonic time in nanoseconds, the send-time stamp both the writers and the watcher read.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
