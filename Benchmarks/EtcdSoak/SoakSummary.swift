/// The checks over a soak's samples, and the line that reports them.
struct SoakSummary: Encodable {
    let impl = "swift-etcd"
    let op = "soak"
    /// Samples after the warm-up.
    let measured: Int
    /// Operations per second over the whole measured part.
    let operationsPerSecond: Double
    /// The mean of the last third of the intervals over that of the first third.
    let throughputRatio: Double
    /// The slowest interval over the mean.
    let slowestIntervalRatio: Double
    /// Resident memory at the first measured sample and at the end, in KiB, and the growth in percent.
    let residentKiB: [Int]
    let residentGrowthPercent: Double
    /// Descriptors and threads at the first measured sample and at the end.
    let descriptors: [Int]
    let threads: [Int]
    /// The failures seen (at most ten are listed) and their number.
    let errorCount: Int
    let errors: [String]
    /// Which checks failed.
    let failed: [String]
    var pass: Bool { failed.isEmpty }

    init(samples: [EtcdSoak.Sample], warmup: Int, errors: [String]) {
        let measured = samples.filter { $0.seconds > warmup }
        self.measured = measured.count
        let rates = measured.map(\.operationsPerSecond)
        let mean = rates.isEmpty ? 0 : rates.reduce(0, +) / Double(rates.count)
        operationsPerSecond = mean
        let third = max(1, rates.count / 3)
        let first = rates.prefix(third).reduce(0, +) / Double(third)
        let last = rates.suffix(third).reduce(0, +) / Double(third)
        throughputRatio = first > 0 ? last / first : 0
        slowestIntervalRatio = mean > 0 ? (rates.min() ?? 0) / mean : 0
        let baseline = measured.first?.gauges ?? ProcessGauges(residentKiB: 0, descriptors: 0, threads: 0)
        let end = measured.last?.gauges ?? baseline
        residentKiB = [baseline.residentKiB, end.residentKiB]
        residentGrowthPercent =
            baseline.residentKiB > 0
            ? Double(end.residentKiB - baseline.residentKiB) * 100 / Double(baseline.residentKiB) : 0
        descriptors = [baseline.descriptors, end.descriptors]
        threads = [baseline.threads, end.threads]
        errorCount = errors.count
        self.errors = Array(errors.prefix(10))
        var failed: [String] = []
        if measured.count < 3 { failed.append("fewer than 3 samples after the warm-up") }
        if throughputRatio < 0.6 { failed.append("throughput fell") }
        if slowestIntervalRatio < 0.1 { failed.append("an interval was nearly idle") }
        if residentGrowthPercent >= 5 { failed.append("resident memory grew 5% or more") }
        if end.descriptors > baseline.descriptors { failed.append("descriptors grew") }
        // A pool may add a thread while it settles; growth is a count above all of the first third's.
        let settledThreads = measured.prefix(third).map(\.gauges.threads).max() ?? baseline.threads
        if end.threads > settledThreads { failed.append("threads grew") }
        if !errors.isEmpty { failed.append("operations failed") }
        self.failed = failed
    }

    private enum CodingKeys: String, CodingKey {
        case impl, op, measured, operationsPerSecond, throughputRatio, slowestIntervalRatio, residentKiB
        case residentGrowthPercent, descriptors, threads, errorCount, errors, failed, pass
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(impl, forKey: .impl)
        try container.encode(op, forKey: .op)
        try container.encode(measured, forKey: .measured)
        try container.encode(operationsPerSecond, forKey: .operationsPerSecond)
        try container.encode(throughputRatio, forKey: .throughputRatio)
        try container.encode(slowestIntervalRatio, forKey: .slowestIntervalRatio)
        try container.encode(residentKiB, forKey: .residentKiB)
        try container.encode(residentGrowthPercent, forKey: .residentGrowthPercent)
        try container.encode(descriptors, forKey: .descriptors)
        try container.encode(threads, forKey: .threads)
        try container.encode(errorCount, forKey: .errorCount)
        try container.encode(errors, forKey: .errors)
        try container.encode(failed, forKey: .failed)
        try container.encode(pass, forKey: .pass)
    }
}
