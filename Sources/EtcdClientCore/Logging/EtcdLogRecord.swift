/// One thing the client tells an operator: a connect, a failover and its reason, a retry, a token refresh,
/// a stream re-opened, keep-alive trouble.
///
/// Records never carry a key's value, a password or a token.
public struct EtcdLogRecord: Sendable, Hashable, CustomStringConvertible {
    /// How much an operator should care. The raw values are swift-log's level names.
    public enum Level: String, Sendable, Hashable, Comparable, CaseIterable {
        /// Step-by-step detail.
        case trace
        /// Detail that helps find a fault: each reconnect attempt, each retry.
        case debug
        /// Normal changes of state: connected, token refreshed.
        case info
        /// Something went wrong and was handled: a failover, a stream re-opened.
        case notice
        /// Something went wrong and may be seen by callers: every endpoint down, keep-alive failing.
        case warning
        /// Something failed for good: a lease lost, a watch ended by the server.
        case error
        /// The client cannot go on.
        case critical

        private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

        /// Whether `lhs` is less severe than `rhs`.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// The severity.
    public var level: Level
    /// What happened, in a short sentence without variable parts, such as `connected`.
    public var message: String
    /// The variable parts, such as `endpoint` or `reason`.
    public var metadata: [String: String]

    /// Creates a record.
    public init(level: Level, message: String, metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }

    /// The level, message and sorted metadata on one line.
    public var description: String {
        let details = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return details.isEmpty ? "[\(level)] \(message)" : "[\(level)] \(message) \(details)"
    }
}

/// Where the client's log records go: a closure called on the client's tasks and threads, so it must be
/// quick and thread-safe.
public typealias EtcdLogSink = @Sendable (EtcdLogRecord) -> Void
