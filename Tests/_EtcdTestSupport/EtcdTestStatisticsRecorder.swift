import EtcdClientCore
import Synchronization

/// A statistics sink for tests: keeps every event the client hands it.
package final class EtcdTestStatisticsRecorder: Sendable {
    private let events = Mutex<[EtcdStatisticsEvent]>([])

    /// Creates an empty recorder.
    package init() {}

    /// The sink to put in a client configuration.
    package var sink: EtcdStatisticsSink {
        { [self] event in events.withLock { $0.append(event) } }
    }

    /// Every event so far, in order.
    package var all: [EtcdStatisticsEvent] { events.withLock { $0 } }
}
