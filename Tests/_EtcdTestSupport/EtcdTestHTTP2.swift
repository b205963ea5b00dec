import EtcdTesting
import Foundation

/// Just enough HTTP/2 and gRPC framing, written by hand, for a fake server to speak to the client: frames, a
/// few HPACK literals, and a reader of the client's frames.
enum EtcdTestHTTP2 {
    /// The header of one frame the client sent; the fake servers never need its payload.
    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32

        /// A HEADERS or DATA frame that ends its stream: the request on `stream` is complete.
        var endsRequest: Bool { (type == 0x0 || type == 0x1) && flags & 0x1 != 0 }
        /// The client's SETTINGS (not an acknowledgement).
        var isSettings: Bool { type == 0x4 && flags & 0x1 == 0 }
    }

    /// A frame: the 9-byte header, then the payload.
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
            + bigEndianBytes(stream) + payload
    }

    static func bigEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// The server's SETTINGS, with nothing to set.
    static let emptySettings = frame(type: 0x4)
    /// The acknowledgement of the client's SETTINGS.
    static let settingsAcknowledgement = frame(type: 0x4, flags: 0x1)

    /// GOAWAY with NO_ERROR.
    static func goAway(lastStream: UInt32) -> [UInt8] {
        frame(type: 0x7, payload: bigEndianBytes(lastStream) + bigEndianBytes(0))
    }

    /// A gRPC answer without a message: one HEADERS frame that ends the stream with `status` and `message`.
    static func trailersOnly(stream: UInt32, status: Int, message: String) -> [UInt8] {
        let block =
            [0x88]  // :status 200, from the static table
            + literal("content-type", "application/grpc") + literal("grpc-status", "\(status)")
            + literal("grpc-message", message)
        return frame(type: 0x1, flags: 0x5, stream: stream, payload: block)  // END_STREAM | END_HEADERS
    }

    /// A successful gRPC answer carrying `message` (serialized protobuf): headers, the message, OK trailers.
    static func answer(stream: UInt32, message: [UInt8]) -> [UInt8] {
        let length = bigEndianBytes(UInt32(message.count))
        return frame(
            type: 0x1,
            flags: 0x4,
            stream: stream,
            payload: [0x88] + literal("content-type", "application/grpc")
        )
            + frame(type: 0x0, stream: stream, payload: [0] + length + message)
            + frame(type: 0x1, flags: 0x5, stream: stream, payload: literal("grpc-status", "0"))
    }

    /// An HPACK literal header field without indexing, with a literal name; both shorter than 127 bytes.
    private static func literal(_ name: String, _ value: String) -> [UInt8] {
        [0x00, UInt8(name.utf8.count)] + Array(name.utf8) + [UInt8(value.utf8.count)] + Array(value.utf8)
    }

    /// Reads the client's connection preface and then its frames, without blocking longer than 50 ms at a time.
    struct FrameReader {
        let connection: Int32
        private var received: [UInt8] = []
        private var offset = 24  // the connection preface

        init(connection: Int32) {
            self.connection = connection
        }

        /// The next frame, or `nil` when the connection ended or `giveUp` (asked every 50 ms) says to.
        mutating func next(unless giveUp: () -> Bool) -> Frame? {
            while !giveUp() {
                if received.count >= offset + 9 {
                    let length =
                        Int(received[offset]) << 16 | Int(received[offset + 1]) << 8 | Int(received[offset + 2])
                    if received.count >= offset + 9 + length {
                        let stream =
                            received[(offset + 5)..<(offset + 9)].reduce(0) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
                        let frame = Frame(type: received[offset + 3], flags: received[offset + 4], stream: stream)
                        offset += 9 + length
                        return frame
                    }
                }
                var pollDescriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&pollDescriptor, 1, 50) >= 0 else { return nil }
                guard pollDescriptor.revents != 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 16_384)
                let count = recv(connection, &buffer, buffer.count, 0)
                guard count > 0 else { return nil }
                received += buffer.prefix(count)
            }
            return nil
        }
    }
}
