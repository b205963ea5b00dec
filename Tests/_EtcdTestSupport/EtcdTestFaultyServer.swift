import Foundation
import Synchronization

/// A TCP server on loopback that misbehaves on purpose: it is not etcd, it stands for a broken peer.
package final class EtcdTestFaultyServer: Sendable {
    /// What the server does with each connection it accepts.
    package enum Behavior: Sendable {
        /// Writes these bytes, then keeps the connection open without reading.
        case send([UInt8])
        /// Closes the connection at once.
        case close
        /// Accepts and never answers.
        case silent
    }

    /// The port it listens on.
    package let port: Int
    private let listener: Int32
    private let accepted = Mutex<[Int32]>([])
    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Starts listening on a free loopback port.
    package init(behavior: Behavior) throws {
        (listener, port) = try EtcdTestListener.open(backlog: 16)
        Thread.detachNewThread { [self] in
            serve(behavior)
            finished.store(true, ordering: .releasing)
        }
    }

    private func serve(_ behavior: Behavior) {
        while !stopped.load(ordering: .relaxed) {
            var pollDescriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pollDescriptor, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            switch behavior {
            case .send(let bytes):
                _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                accepted.withLock { $0.append(connection) }
            case .close:
                close(connection)
            case .silent:
                accepted.withLock { $0.append(connection) }
            }
        }
    }

    /// Stops listening and closes every accepted connection.
    package func stop() {
        stopped.store(true, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { usleep(10_000) }
        for connection in accepted.withLock({ $0 }) { close(connection) }
        close(listener)
    }
}
