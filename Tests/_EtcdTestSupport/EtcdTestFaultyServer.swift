import EtcdTesting
import Foundation
import Synchronization
import _EtcdTransport

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
        /// Sends an empty SETTINGS frame and a GOAWAY whose last stream is 0: every stream the client opens is
        /// refused, so no request is processed. Then keeps the connection open without reading.
        case goAwayAtOnce
        /// Sends an empty SETTINGS frame, reads until the request on stream 1 ended, then sends a GOAWAY whose
        /// last stream is 1 (the request may have been processed) and closes the connection without answering.
        case goAwayAfterFirstRequest
        /// Speaks just enough gRPC: refuses the first `count` requests with the gRPC `status` and `message`,
        /// and answers every later one with `answer` (a serialized response message), until the client leaves.
        case refuseFirst(Int, status: Int, message: String, answer: [UInt8])
    }

    /// How many requests the server refused so far (``Behavior/refuseFirst(_:status:message:answer:)``).
    package var refusals: Int { refused.load(ordering: .relaxed) }
    private let refused = Atomic<Int>(0)

    /// The port it listens on.
    package let port: Int
    private let listener: Int32
    private let accepted = LockedValue<[Int32]>([])
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
                Self.write(bytes, to: connection)
                accepted.withLock { $0.append(connection) }
            case .close:
                close(connection)
            case .silent:
                accepted.withLock { $0.append(connection) }
            case .goAwayAtOnce:
                Self.write(EtcdTestHTTP2.emptySettings + EtcdTestHTTP2.goAway(lastStream: 0), to: connection)
                accepted.withLock { $0.append(connection) }
            case .goAwayAfterFirstRequest:
                Self.write(EtcdTestHTTP2.emptySettings, to: connection)
                var reader = EtcdTestHTTP2.FrameReader(connection: connection)
                while let frame = reader.next(unless: isStopped), !(frame.endsRequest && frame.stream == 1) {}
                Self.write(EtcdTestHTTP2.goAway(lastStream: 1), to: connection)
                close(connection)
            case .refuseFirst(let count, let status, let message, let answer):
                Self.write(EtcdTestHTTP2.emptySettings, to: connection)
                var reader = EtcdTestHTTP2.FrameReader(connection: connection)
                while let frame = reader.next(unless: isStopped) {
                    if frame.isSettings { Self.write(EtcdTestHTTP2.settingsAcknowledgement, to: connection) }
                    guard frame.endsRequest else { continue }
                    if refused.load(ordering: .relaxed) < count {
                        refused.add(1, ordering: .relaxed)
                        Self.write(
                            EtcdTestHTTP2.trailersOnly(stream: frame.stream, status: status, message: message),
                            to: connection
                        )
                    } else {
                        Self.write(EtcdTestHTTP2.answer(stream: frame.stream, message: answer), to: connection)
                    }
                }
                close(connection)
            }
        }
    }

    private static func write(_ bytes: [UInt8], to connection: Int32) {
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func isStopped() -> Bool {
        stopped.load(ordering: .relaxed)
    }

    /// Stops listening and closes every accepted connection.
    package func stop() {
        stopped.store(true, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { usleep(10_000) }
        for connection in accepted.withLock({ $0 }) { close(connection) }
        close(listener)
    }
}
