/// The client's way to its ``EtcdLogSink``: drops records below the configured level before building them.
struct EtcdLogger: Sendable {
    private let sink: EtcdLogSink?
    private let minimumLevel: EtcdLogRecord.Level

    /// A logger for the sink and level of `configuration`.
    init(_ configuration: EtcdClient.Configuration) {
        sink = configuration.logSink
        minimumLevel = configuration.logLevel
    }

    /// Hands a record to the sink when `level` is at least the configured level.
    ///
    /// - Parameters:
    ///   - level: the severity.
    ///   - message: what happened, without variable parts.
    ///   - metadata: the variable parts; built only when the record is kept. Never a value, password or token.
    func log(
        _ level: EtcdLogRecord.Level,
        _ message: @autoclosure () -> String,
        _ metadata: @autoclosure () -> [String: String] = [:]
    ) {
        guard let sink, level >= minimumLevel else { return }
        sink(EtcdLogRecord(level: level, message: message(), metadata: metadata()))
    }
}
