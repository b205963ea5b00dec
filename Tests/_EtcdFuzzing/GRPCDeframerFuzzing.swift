import _EtcdTransport

/// The gRPC message deframer, fed the same bytes in chunks of any size.
///
/// The input's first two bytes set the message size limit; then each chunk is one byte that sets its size and the
/// bytes themselves. Invariants: the messages and the final outcome (an error, a partial message, or neither) do not
/// depend on how the bytes were chunked; the memory the deframer holds grows with the bytes that arrived, never with
/// the length a prefix claims.
enum GRPCDeframerFuzzing {
    private enum Ending: Equatable {
        case clean
        case partialMessage
        case failed(GRPCMessageDeframer.Failure)
    }

    static func run(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(bytes)
        let limit = input.uint16()
        var chunked = GRPCMessageDeframer(maximumMessageSize: limit)
        var whole: [UInt8] = []
        var messages: [[UInt8]] = []
        var ending = Ending.clean
        chunks: while !input.isAtEnd {
            let selector = Int(input.byte())
            let chunk = input.slice(selector < 240 ? selector % 48 + 1 : (selector - 239) * 4_096)
            whole += chunk
            chunk.withUnsafeBytes { chunked.append($0) }
            guard chunked.capacity <= 2 * whole.count + 1_024 else {
                throw FuzzFailure("the deframer holds \(chunked.capacity) bytes after \(whole.count) arrived")
            }
            do {
                while let message = try chunked.nextMessage() { messages.append(message) }
            } catch {
                ending = .failed(error)
                break chunks
            }
        }
        if ending == .clean && chunked.hasPartialMessage { ending = .partialMessage }

        var reference = GRPCMessageDeframer(maximumMessageSize: limit)
        whole.withUnsafeBytes { reference.append($0) }
        var expected: [[UInt8]] = []
        var expectedEnding = Ending.clean
        do {
            while let message = try reference.nextMessage() { expected.append(message) }
            if reference.hasPartialMessage { expectedEnding = .partialMessage }
        } catch {
            expectedEnding = .failed(error)
        }
        guard messages == expected, ending == expectedEnding else {
            throw FuzzFailure(
                "chunked: \(messages.count) messages, \(ending); whole: \(expected.count) messages, \(expectedEnding)"
            )
        }
    }

    static var seeds: [[UInt8]] {
        let framed = GRPCMessageDeframer.frame(contentsOf: [Array("hello".utf8), [], Array(repeating: 7, count: 300)])
        return [
            // A limit of 1,024, then three messages in chunks of 1, 7 and 48 bytes; the rest reads as more chunks.
            [0x04, 0x00, 0] + framed.prefix(1) + [6] + framed.dropFirst().prefix(7) + [47] + framed.dropFirst(8),
            // A limit of 16 and a message that claims 4 GiB - 1.
            [0x00, 0x10, 10, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6],
            // A compressed message.
            [0x01, 0x00, 5, 1, 0, 0, 0, 1, 42],
        ]
    }
}
