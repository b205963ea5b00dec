import EtcdClientCore
import Synchronization

/// A log sink for tests: keeps every record the client hands it.
package final class EtcdTestLogRecorder: Sendable {
    private let records = Mutex<[EtcdLogRecord]>([])

    /// Creates an empty recorder.
    package init() {}

    /// The sink to put in a client configuration.
    package var sink: EtcdLogSink {
        { [self] record in records.withLock { $0.append(record) } }
    }

    /// Every record so far, in order.
    package var all: [EtcdLogRecord] { records.withLock { $0 } }

    /// The records whose message is `message`.
    package func records(_ message: String) -> [EtcdLogRecord] {
        all.filter { $0.message == message }
    }
}
