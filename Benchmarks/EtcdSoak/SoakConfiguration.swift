/// The flags of `etcd-soak`.
struct SoakConfiguration {
    /// The etcd client endpoint.
    var endpoint = "127.0.0.1:2379"
    /// How long the load runs, in seconds.
    var durationSeconds = 600
    /// Seconds between samples.
    var intervalSeconds = 10
    /// Seconds of warm-up before the baseline sample; by default a fifth of the run, at most 120.
    var warmupSeconds: Int?
    /// The key prefix the load writes under.
    var prefix = "soak/"

    /// The warm-up in effect.
    var warmup: Int { warmupSeconds ?? min(120, durationSeconds / 5) }

    /// Reads `-name value` flags.
    init(arguments: [String]) throws(SoakError) {
        var index = 0
        while index < arguments.count {
            let flag = arguments[index].drop { $0 == "-" }
            guard index + 1 < arguments.count else { throw SoakError("missing value for -\(flag)") }
            let value = arguments[index + 1]
            func integer() throws(SoakError) -> Int {
                guard let number = Int(value), number > 0 else { throw SoakError("-\(flag) needs a positive integer") }
                return number
            }
            switch flag {
            case "endpoint": endpoint = value
            case "duration": durationSeconds = try integer()
            case "interval": intervalSeconds = try integer()
            case "warmup": warmupSeconds = try integer()
            case "prefix": prefix = value
            default: throw SoakError("unknown flag -\(flag)")
            }
            index += 2
        }
        guard warmup + intervalSeconds < durationSeconds else {
            throw SoakError("-duration must be longer than the warm-up (\(warmup) s) and one interval")
        }
    }
}

/// A bad flag or a failed check.
struct SoakError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
