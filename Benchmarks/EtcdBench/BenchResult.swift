import Foundation

/// The one JSON line a run prints, with the Go peer's field names.
struct BenchResult {
    var impl = "swift-etcd"
    var clientVersion = "0.1.0"
    var serverVersion = ""
    var op = ""
    var total = 0
    var clients = 0
    var conns = 0
    var keySize = 0
    var valueSize = 0
    var consistency: String?
    var elapsedSeconds = 0.0
    var opsPerSecond = 0.0
    var p50 = 0.0
    var p90 = 0.0
    var p99 = 0.0
    var maximum = 0.0
    var mean = 0.0
    var latencyOf = ""
    var errors = 0
    var clientCPUSeconds = 0.0
    var clientCPUMicrosecondsPerOp = 0.0
    var serverCPUSeconds: Double?
    var serverCPUMicrosecondsPerOp: Double?
    var extra: [String: Any] = [:]
    /// The part of the run that the headline figures cover, when it is not the whole run (the mirror's base sync):
    /// its duration, its operations and the client's and server's CPU seconds in it.
    var timedPhase: (seconds: Double, operations: Int, clientCPU: Double, serverCPU: Double?)?

    /// Fills the latency percentiles the way the Go peer does (nearest rank).
    mutating func fillLatency(_ samples: [Duration]) {
        guard !samples.isEmpty else { return }
        let sorted = samples.map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) / 1e15 }
            .sorted()
        func percentile(_ p: Double) -> Double {
            let index = min(max(Int(Double(sorted.count) * p + 0.5) - 1, 0), sorted.count - 1)
            return round(sorted[index], 3)
        }
        p50 = percentile(0.50)
        p90 = percentile(0.90)
        p99 = percentile(0.99)
        maximum = round(sorted[sorted.count - 1], 3)
        mean = round(sorted.reduce(0, +) / Double(sorted.count), 3)
    }

    /// The JSON line.
    func json() throws -> String {
        var object: [(String, Any)] = [
            ("impl", impl), ("client_version", clientVersion), ("server_version", serverVersion), ("op", op),
            ("total", total), ("clients", clients), ("conns", conns), ("key_size", keySize), ("val_size", valueSize),
        ]
        if let consistency { object.append(("consistency", consistency)) }
        object += [
            ("elapsed_s", round(elapsedSeconds, 4)), ("ops_per_sec", round(opsPerSecond, 1)), ("p50_ms", p50),
            ("p90_ms", p90), ("p99_ms", p99), ("max_ms", maximum), ("mean_ms", mean), ("latency_of", latencyOf),
            ("errors", errors), ("client_cpu_s", round(clientCPUSeconds, 3)),
            ("client_cpu_us_per_op", round(clientCPUMicrosecondsPerOp, 1)),
        ]
        if let serverCPUSeconds, let serverCPUMicrosecondsPerOp {
            object += [
                ("server_cpu_s", round(serverCPUSeconds, 3)),
                ("server_cpu_us_per_op", round(serverCPUMicrosecondsPerOp, 1)),
            ]
        }
        if !extra.isEmpty { object.append(("extra", extra)) }
        var parts: [String] = []
        for (key, value) in object {
            let encoded = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
            parts.append("\"\(key)\":" + String(decoding: encoded, as: UTF8.self))
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private func round(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10.0, Double(digits))
        return (value * scale).rounded() / scale
    }
}

/// CPU time of this process (user + system), in seconds.
func selfCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// utime + stime of another process from `/proc/PID/stat`, in seconds, or `nil`.
func processCPUSeconds(_ pid: Int) -> Double? {
    guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return nil }
    let fields = text[text.index(close, offsetBy: 2)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / 100
}
