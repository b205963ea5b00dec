import EtcdClientCore
import Foundation

/// `etcd-soak`: a mixed load on one etcd for a long time, sampled at intervals, then checked.
///
/// Each sample is a JSON line on standard output: seconds since the start, operations per second in the interval,
/// resident memory, descriptors and threads. The last line is the summary, with `"pass"`. The checks, over the
/// samples after the warm-up: throughput does not fall (the last third of the intervals averages at least 60% of
/// the first third, and no interval is below a tenth of the mean); resident memory grows less than 5% from the first
/// sample after the warm-up to the end; descriptors do not grow, and threads end no higher than in the first third of
/// the measured samples; no operation failed. Exits 1 when a check fails.
@main
enum EtcdSoak {
    /// One sample.
    struct Sample: Codable {
        var seconds: Int
        var operationsPerSecond: Double
        var gauges: ProcessGauges
    }

    static func main() async {
        do {
            let configuration = try SoakConfiguration(arguments: Array(CommandLine.arguments.dropFirst()))
            exit(try await soak(configuration) ? 0 : 1)
        } catch {
            FileHandle.standardError.write(Data("etcd-soak: \(error)\n".utf8))
            exit(2)
        }
    }

    static func soak(_ configuration: SoakConfiguration) async throws -> Bool {
        guard let endpoint = EtcdEndpoint(configuration.endpoint) else {
            throw SoakError("bad -endpoint \(configuration.endpoint)")
        }
        var clientConfiguration = EtcdClient.Configuration(endpoints: [endpoint])
        clientConfiguration.defaultCallOptions.timeout = .seconds(10)
        let counters = SoakCounters()
        var samples: [Sample] = []
        try await withEtcdClient(configuration: clientConfiguration) { client in
            let load = Task { await SoakLoad(client: client, prefix: configuration.prefix, counters: counters).run() }
            let start = ContinuousClock.now
            var previous = (time: start, operations: 0)
            for tick in 1...(configuration.durationSeconds / configuration.intervalSeconds) {
                try await Task.sleep(until: start + .seconds(tick * configuration.intervalSeconds))
                let now = ContinuousClock.now
                let operations = counters.completed
                let elapsed = now - previous.time
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let sample = Sample(
                    seconds: tick * configuration.intervalSeconds,
                    operationsPerSecond: Double(operations - previous.operations) / seconds,
                    gauges: .read()
                )
                previous = (now, operations)
                samples.append(sample)
                print(json(sample))
            }
            load.cancel()
            await load.value
            try await client.delete(.prefix(EtcdKey(configuration.prefix)))
        }
        let summary = SoakSummary(samples: samples, warmup: configuration.warmup, errors: counters.errors)
        print(json(summary))
        return summary.pass
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
