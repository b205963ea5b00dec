import Foundation
import _EtcdTransport

/// Kills every etcd process the tests started when the test process exits, even after a failure.
package final class EtcdTestProcessReaper: Sendable {
    package static let shared = EtcdTestProcessReaper()
    private let processes = LockedValue<Set<Int32>>([])

    private init() {
        atexit {
            EtcdTestProcessReaper.shared.killAll()
        }
    }

    package func register(_ pid: Int32) {
        processes.withLock { _ = $0.insert(pid) }
    }

    package func unregister(_ pid: Int32) {
        processes.withLock { _ = $0.remove(pid) }
    }

    private func killAll() {
        for pid in processes.withLock({ $0 }) {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
    }
}
