/// Splits the DATA bytes of one gRPC stream into length-prefixed messages.
///
/// Each message is one compressed-flag byte, a four-byte big-endian length, then the message.
/// A message may span many DATA frames and one frame may hold many messages.
package struct GRPCMessageDeframer: Sendable {
    /// Why the bytes are not a valid gRPC message stream.
    package enum Failure: Error, Sendable, Hashable {
        /// The compressed flag was set, but no compression was negotiated.
        case compressedMessage
        /// The declared length is larger than the limit.
        case messageTooLarge(Int)
    }

    /// The bytes before each message: the compressed flag and the length.
    package static let prefixSize = 5

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The longest message accepted, in bytes.
    package let maximumMessageSize: Int

    /// Creates a deframer that rejects messages longer than `maximumMessageSize` bytes.
    package init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// The bytes the deframer holds memory for.
    package var capacity: Int { buffer.capacity }

    /// Whether bytes of an unfinished message are buffered.
    package var hasPartialMessage: Bool { readIndex < buffer.count }

    /// Appends received bytes.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65_536 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete message, or `nil` when more bytes are needed.
    package mutating func nextMessage() throws(Failure) -> [UInt8]? {
        let available = buffer.count - readIndex
        guard available >= Self.prefixSize else { return nil }
        guard buffer[readIndex] == 0 else { throw .compressedMessage }
        var length = 0
        for offset in 1...4 { length = length << 8 | Int(buffer[readIndex + offset]) }
        guard length <= maximumMessageSize else { throw .messageTooLarge(length) }
        // The buffer grows with the bytes that arrive, not with the length a message claims.
        guard available - Self.prefixSize >= length else { return nil }
        let start = readIndex + Self.prefixSize
        let message = Array(buffer[start..<start + length])
        readIndex = start + length
        return message
    }

    /// Frames several messages one after the other, in one buffer.
    package static func frame(contentsOf messages: [[UInt8]]) -> [UInt8] {
        var framed = [UInt8]()
        framed.reserveCapacity(messages.reduce(0) { $0 + $1.count + prefixSize })
        for message in messages {
            let length = UInt32(truncatingIfNeeded: message.count)
            framed.append(0)
            framed.append(UInt8(truncatingIfNeeded: length >> 24))
            framed.append(UInt8(truncatingIfNeeded: length >> 16))
            framed.append(UInt8(truncatingIfNeeded: length >> 8))
            framed.append(UInt8(truncatingIfNeeded: length))
            framed.append(contentsOf: message)
        }
        return framed
    }
}
