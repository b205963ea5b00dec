import Foundation
import Synchronization

/// Kills every etcd process the tests started when the test process exits, even after a failure.
final class EtcdTestProcessReaper: Sendable {
    static let shared = EtcdTestProcessReaper()
    private let processes = Mutex<Set<Int32>>([])

    private init() {
        atexit {
            EtcdTestProcessReaper.shared.killAll()
        }
    }

    func register(_ pid: Int32) {
        processes.withLock { _ = $0.insert(pid) }
    }

    func unregister(_ pid: Int32) {
        processes.withLock { _ = $0.remove(pid) }
    }

    private func killAll() {
        for pid in processes.withLock({ $0 }) {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
    }
}
