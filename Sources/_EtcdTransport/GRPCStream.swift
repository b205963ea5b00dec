/// A streaming gRPC call: send messages while reading the responses.
///
/// Dropping the consumer of ``responses`` early, cancelling its task, or calling ``cancel()`` resets the stream.
/// The server sends only as fast as ``responses`` is consumed (see ``GRPCResponseStream``).
package struct GRPCStream: Sendable {
    let connection: HTTP2Connection
    let callID: UInt64
    let cancellation: GRPCCallCancellation
    /// The response messages, ending when the call ends; a status other than OK is thrown.
    package let responses: GRPCResponseStream

    /// Queues one request message.
    ///
    /// - Throws: ``GRPCConnectionError`` when the connection has already failed.
    package func send(_ message: [UInt8]) throws {
        try send(contentsOf: [message])
    }

    /// Queues several request messages at once, in order: one command for the I/O thread.
    ///
    /// - Throws: ``GRPCConnectionError`` when the connection has already failed.
    package func send(contentsOf messages: [[UInt8]]) throws {
        guard !messages.isEmpty else { return }
        if let error = connection.enqueue(
            .send(callID: callID, message: GRPCMessageDeframer.frame(contentsOf: messages), end: false)
        ) {
            throw error
        }
    }

    /// Half-closes the call: no more request messages.
    package func finishSending() {
        _ = connection.enqueue(.send(callID: callID, message: [], end: true))
    }

    /// Resets the stream with CANCEL; ``responses`` ends with `CancellationError`.
    package func cancel() {
        cancellation.cancel()
        _ = connection.enqueue(.cancel(callID: callID))
    }
}
