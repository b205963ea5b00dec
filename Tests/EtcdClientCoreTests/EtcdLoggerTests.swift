import Synchronization
import Testing

@testable import EtcdClientCore

@Suite("Logger")
struct EtcdLoggerTests {
    /// A configuration whose sink appends to `records`.
    private func configuration(level: EtcdLogRecord.Level, into records: LockedRecords) -> EtcdClient.Configuration {
        var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1")])
        configuration.logLevel = level
        configuration.logSink = { record in records.append(record) }
        return configuration
    }

    @Test("silent by default: no sink, and the metadata is never built")
    func silentByDefault() {
        let logger = EtcdLogger(EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1")]))
        logger.log(
            .critical,
            "x",
            { () -> [String: String] in
                Issue.record("metadata was built"); return [:]
            }()
        )
    }

    @Test("records below the configured level are dropped before their metadata is built")
    func levelFilter() {
        let records = LockedRecords()
        let logger = EtcdLogger(configuration(level: .notice, into: records))
        logger.log(
            .debug,
            "dropped",
            { () -> [String: String] in
                Issue.record("metadata was built"); return [:]
            }()
        )
        logger.log(.info, "dropped too")
        logger.log(.notice, "kept", ["endpoint": "a:1"])
        logger.log(.error, "kept too")
        #expect(records.all.map(\.message) == ["kept", "kept too"])
        #expect(records.all.first?.metadata == ["endpoint": "a:1"])
    }

    @Test("levels order from trace to critical, with swift-log's names")
    func levels() {
        #expect(
            EtcdLogRecord.Level.allCases.map(\.rawValue) == [
                "trace", "debug", "info", "notice", "warning", "error", "critical",
            ]
        )
        #expect(EtcdLogRecord.Level.allCases == EtcdLogRecord.Level.allCases.sorted())
        #expect(EtcdLogRecord.Level.debug < .info && !(EtcdLogRecord.Level.error < .warning))
    }

    @Test("a record prints its level, message and sorted metadata")
    func description() {
        let record = EtcdLogRecord(
            level: .notice,
            message: "failing over",
            metadata: ["reason": "r", "endpoint": "e:1"]
        )
        #expect(record.description == "[notice] failing over endpoint=e:1 reason=r")
    }
}

/// Records appended from any thread.
private final class LockedRecords: Sendable {
    private let records = Mutex<[EtcdLogRecord]>([])
    func append(_ record: EtcdLogRecord) { records.withLock { $0.append(record) } }
    var all: [EtcdLogRecord] { records.withLock { $0 } }
}
