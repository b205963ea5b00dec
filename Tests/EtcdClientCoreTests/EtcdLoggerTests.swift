import Testing
import _EtcdTransport

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

    /// Metadata whose building is a test failure.
    private func unbuildable() -> [String: String] {
        Issue.record("metadata was built")
        return [:]
    }

    @Test("silent by default: no sink, and the metadata is never built")
    func silentByDefault() async {
        let logger = EtcdLogger(EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1")]))
        logger.log(.critical, "x", unbuildable())
        await logger.finish()
    }

    @Test("records below the configured level are dropped before their metadata is built")
    func levelFilter() async {
        let records = LockedRecords()
        let logger = EtcdLogger(configuration(level: .notice, into: records))
        logger.log(.debug, "dropped", unbuildable())
        logger.log(.info, "dropped too")
        logger.log(.notice, "kept", ["endpoint": "a:1"])
        logger.log(.error, "kept too")
        await logger.finish()
        #expect(records.all.map(\.message) == ["kept", "kept too"])
        #expect(records.all.first?.metadata == ["endpoint": "a:1"])
    }

    @Test("the sink runs on the logger's own task, in order, so it may take locks the logging code holds")
    func deliveredInOrderOffTheCaller() async {
        let records = LockedRecords()
        let logger = EtcdLogger(configuration(level: .trace, into: records))
        // Logging while holding the lock the sink takes must not deadlock or trap.
        for index in 0..<1_000 {
            records.withLockHeld { logger.log(.info, "record", ["index": "\(index)"]) }
        }
        await logger.finish()
        #expect(records.all.map { $0.metadata["index"] } == (0..<1_000).map { "\($0)" })
        logger.log(.critical, "after finish")
        #expect(records.all.count == 1_000)
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
    private let records = LockedValue<[EtcdLogRecord]>([])
    func append(_ record: EtcdLogRecord) { records.withLock { $0.append(record) } }
    func withLockHeld(_ body: () -> Void) { records.withLock { _ in body() } }
    var all: [EtcdLogRecord] { records.withLock { $0 } }
}
