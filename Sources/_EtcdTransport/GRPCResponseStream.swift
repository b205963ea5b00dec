/// The response messages of a streaming call, for one consumer.
///
/// Taking messages is what gives the server room to send more (see ``GRPCResponseBuffer``): a consumer that
/// stops taking holds the server back instead of filling memory. When the consuming task is cancelled, or when the
/// last copy of this sequence and its iterator are released before the end, the call is cancelled.
package struct GRPCResponseStream: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    package typealias Failure = any Error

    /// Cancels the call when the consumer leaves before the end.
    final class Consumer: Sendable {
        let buffer: GRPCResponseBuffer

        init(buffer: GRPCResponseBuffer) {
            self.buffer = buffer
        }

        deinit {
            if !buffer.hasEnded { buffer.cancel() }
        }
    }

    let consumer: Consumer

    init(buffer: GRPCResponseBuffer) {
        self.consumer = Consumer(buffer: buffer)
    }

    /// Takes the messages one by one.
    package struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: Consumer

        /// The next message, or `nil` after the last one.
        ///
        /// - Throws: the error the call ended with; `CancellationError` when the calling task is cancelled.
        package mutating func next() async throws -> [UInt8]? {
            try await consumer.buffer.next()
        }
    }

    /// Makes the iterator.
    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer)
    }
}
