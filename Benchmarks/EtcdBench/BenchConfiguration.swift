import Foundation

/// The command-line flags, the same as the Go peer's (`shared/peers/gobench`).
struct BenchConfiguration: Sendable {
    var endpoint =
        ProcessInfo.processInfo.environment["ETCD_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:2379"
    var op = "put"
    var total = 10_000
    var clients = 1
    var conns = 1
    var keySize = 32
    var valueSize = 256
    var consistency = "l"
    var keyspace = 0
    var prefix = ""
    var txnOps = 1
    var ttlSeconds = 60
    var holdMicroseconds = 0
    var serverPID = Int(ProcessInfo.processInfo.environment["ETCD_SERVER_PID"] ?? "") ?? 0
    var timeoutSeconds = 600.0
    var seed: UInt64 = 1
    var accounts = 8
    var updates = 10_000
    var isolation = "serializable"

    /// Parses Go-style flags: `-name value`, `--name value` or `-name=value`.
    init(arguments: [String]) throws {
        var index = 0
        while index < arguments.count {
            var name = arguments[index]
            guard name.hasPrefix("-") else { throw BenchError("unexpected argument \(name)") }
            while name.hasPrefix("-") { name.removeFirst() }
            var value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else {
                index += 1
                guard index < arguments.count else { throw BenchError("flag -\(name) needs a value") }
                value = arguments[index]
            }
            index += 1
            func integer() throws -> Int {
                guard let number = Int(value) else { throw BenchError("flag -\(name) needs an integer, got \(value)") }
                return number
            }
            switch name {
            case "endpoint": endpoint = value
            case "op": op = value
            case "total": total = try integer()
            case "clients": clients = try integer()
            case "conns": conns = try integer()
            case "key-size": keySize = try integer()
            case "val-size": valueSize = try integer()
            case "consistency": consistency = value
            case "keyspace": keyspace = try integer()
            case "prefix": prefix = value
            case "txn-ops": txnOps = try integer()
            case "server-pid": serverPID = try integer()
            case "seed": seed = UInt64(try integer())
            case "timeout":
                guard let seconds = Self.parseGoDuration(value) else { throw BenchError("bad -timeout \(value)") }
                timeoutSeconds = seconds
            case "ttl": ttlSeconds = try integer()
            case "hold-us": holdMicroseconds = try integer()
            case "accounts": accounts = try integer()
            case "isolation": isolation = value
            case "updates": updates = try integer()
            case "wait-mode":
                break  // flags of workloads that later issues add; accepted so the Go command lines run unchanged
            default:
                throw BenchError("unknown flag -\(name)")
            }
        }
        guard clients >= 1, conns >= 1, total >= 1 else { throw BenchError("clients, conns and total must be >= 1") }
        if prefix.isEmpty { prefix = "/swiftbench/\(op)/\(getpid())/" }
    }

    /// Parses a Go duration such as `10m`, `30s` or `1h`.
    static func parseGoDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }

    /// The key number of operation `index`: `index` itself, or cycled over `-keyspace` keys when set.
    func keyNumber(forOperation index: Int) -> Int {
        keyspace > 0 ? index % keyspace : index
    }
}

/// A fatal benchmark error.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
