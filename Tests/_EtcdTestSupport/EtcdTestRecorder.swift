import EtcdClientCore
import EtcdTesting
import _EtcdTransport

/// A sink for tests: keeps everything the client hands it (log records, statistics events), in order.
package final class EtcdTestRecorder<Element: Sendable>: Sendable {
    private let elements = LockedValue<[Element]>([])

    /// Creates an empty recorder.
    package init() {}

    /// The sink to put in a client configuration.
    package var sink: @Sendable (Element) -> Void {
        { [self] element in elements.withLock { $0.append(element) } }
    }

    /// Everything so far, in order.
    package var all: [Element] { elements.withLock { $0 } }
}

/// Keeps the log records a client hands its sink.
package typealias EtcdTestLogRecorder = EtcdTestRecorder<EtcdLogRecord>

/// Keeps the statistics events a client hands its sink.
package typealias EtcdTestStatisticsRecorder = EtcdTestRecorder<EtcdStatisticsEvent>

extension EtcdTestRecorder where Element == EtcdLogRecord {
    /// The records whose message is `message`.
    package func records(_ message: String) -> [EtcdLogRecord] {
        all.filter { $0.message == message }
    }
}
