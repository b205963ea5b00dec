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
        /// Sends an empty SETTINGS frame and a GOAWAY whose last stream is 0: every stream the client opens is
        /// refused, so no request is processed. Then keeps the connection open without reading.
        case goAwayAtOnce
        /// Sends an empty SETTINGS frame, reads until the request on stream 1 ended, then sends a GOAWAY whose
        /// last stream is 1 (the request may have been processed) and closes the connection without answering.
        case goAwayAfterFirstRequest
    }

    /// An HTTP/2 frame: the 9-byte header, then the payload.
    private static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
            + bigEndianBytes(stream) + payload
    }

    private static func bigEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static let emptySettings = frame(type: 0x4)

    /// GOAWAY with NO_ERROR.
    private static func goAway(lastStream: UInt32) -> [UInt8] {
        frame(type: 0x7, payload: bigEndianBytes(lastStream) + bigEndianBytes(0))
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
                Self.write(bytes, to: connection)
                accepted.withLock { $0.append(connection) }
            case .close:
                close(connection)
            case .silent:
                accepted.withLock { $0.append(connection) }
            case .goAwayAtOnce:
                Self.write(Self.emptySettings + Self.goAway(lastStream: 0), to: connection)
                accepted.withLock { $0.append(connection) }
            case .goAwayAfterFirstRequest:
                Self.write(Self.emptySettings, to: connection)
                Self.readUntilFirstRequestEnded(connection)
                Self.write(Self.goAway(lastStream: 1), to: connection)
                close(connection)
            }
        }
    }

    private static func write(_ bytes: [UInt8], to connection: Int32) {
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads the client's preface and frames until a HEADERS or DATA frame of stream 1 carries END_STREAM, the
    /// connection ends, or two seconds pass.
    private static func readUntilFirstRequestEnded(_ connection: Int32) {
        var received: [UInt8] = []
        var offset = 24  // the connection preface
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            while received.count >= offset + 9 {
                let length = Int(received[offset]) << 16 | Int(received[offset + 1]) << 8 | Int(received[offset + 2])
                guard received.count >= offset + 9 + length else { break }
                let type = received[offset + 3]
                let flags = received[offset + 4]
                let stream = received[(offset + 5)..<(offset + 9)].reduce(0) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
                offset += 9 + length
                if stream == 1 && (type == 0x0 || type == 0x1) && flags & 0x1 != 0 { return }
            }
            var pollDescriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&pollDescriptor, 1, 50) >= 0 else { return }
            guard pollDescriptor.revents != 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 16_384)
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            received += buffer.prefix(count)
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
