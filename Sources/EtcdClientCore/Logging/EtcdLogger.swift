/// The client's way to its ``EtcdLogSink``: drops records below the configured level before building them,
/// and hands the rest to the sink in order from one task of its own, so that the sink never runs on an I/O
/// thread or under the client's locks (it may call the client, and may be slow).
final class EtcdLogger: Sendable {
    private let minimumLevel: EtcdLogRecord.Level
    private let records: AsyncStream<EtcdLogRecord>.Continuation?
    private let delivery: Task<Void, Never>?

    /// The most records waiting for a slow sink; beyond it the oldest are dropped.
    static let backlogLimit = 10_000

    /// A logger for the sink and level of `configuration`; silent without a sink.
    init(_ configuration: EtcdClient.Configuration) {
        minimumLevel = configuration.logLevel
        guard let sink = configuration.logSink else {
            records = nil
            delivery = nil
            return
        }
        let (stream, continuation) = AsyncStream.makeStream(
            of: EtcdLogRecord.self,
            bufferingPolicy: .bufferingNewest(Self.backlogLimit)
        )
        records = continuation
        delivery = Task.detached {
            for await record in stream { sink(record) }
        }
    }

    /// Queues a record for the sink when `level` is at least the configured level.
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
        guard let records, level >= minimumLevel else { return }
        records.yield(EtcdLogRecord(level: level, message: message(), metadata: metadata()))
    }

    /// Records that something the client ran (a watch, a keep-alive) ended with `error`: an error, except when
    /// the client was closed, which is only debug detail.
    func logEnded(_ message: @autoclosure () -> String, _ idName: String, _ id: Int64, _ error: EtcdError) {
        log(
            error.code == .clientClosed ? .debug : .error,
            message(),
            [idName: "\(id)", "code": error.code.name, "reason": error.message]
        )
    }

    /// Delivers every queued record, then stops; later records are dropped.
    func finish() async {
        records?.finish()
        await delivery?.value
    }
}
