import Synchronization

/// Where the responses of one call go.
enum GRPCResponseSink: Sendable {
    /// A unary call: one response message, then the status.
    case unary(UnsafeContinuation<[UInt8], any Error>)
    /// A streaming call: every message as it arrives, then the end; the window follows the consumer.
    case stream(GRPCResponseBuffer)
}

/// Whether the caller cancelled a call: set by the caller's task, read by the I/O thread when the call starts, so
/// that a cancel is never lost however its command and the call's start are ordered in the inbox.
final class GRPCCallCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Marks the call cancelled.
    func cancel() { flag.store(true, ordering: .releasing) }

    /// Whether the call was cancelled.
    var isCancelled: Bool { flag.load(ordering: .acquiring) }
}

/// The state of one gRPC call on one connection.
///
/// Invariant that makes `@unchecked Sendable` sound: the caller creates it and hands it to the I/O thread
/// through the connection's locked inbox; from then on only the I/O thread reads or writes it.
final class GRPCCall: @unchecked Sendable {
    /// The call's number on its connection, chosen by the caller before the stream exists.
    let id: UInt64
    /// The request head.
    let head: GRPCRequestHead
    /// Set when the caller cancels.
    let cancellation: GRPCCallCancellation
    /// Where responses go.
    let sink: GRPCResponseSink
    /// The HTTP/2 stream id, once submitted.
    var streamID: Int32 = -1
    /// Framed request bytes not yet handed to nghttp2.
    var outbound: [UInt8]
    /// How much of `outbound` nghttp2 has already taken.
    var outboundOffset = 0
    /// Whether the caller will send nothing more after `outbound`.
    var outboundEnded: Bool
    /// Whether the data source told nghttp2 to wait for more bytes.
    var outboundDeferred = false
    /// Whether the request HEADERS frame went out on the socket.
    var headersSent = false
    /// The local deadline in monotonic nanoseconds, or `Int64.max`.
    var deadline: Int64
    /// The outcome fields of the response's headers and trailers.
    var metadata = GRPCResponseMetadata()
    /// The one response message of a unary call.
    var unaryResponse: [UInt8]?
    /// Splits the response DATA into messages.
    var deframer: GRPCMessageDeframer
    /// Whether the caller has been told the outcome; later events are ignored.
    var finished = false
    /// The DATA bytes received on the stream.
    var receivedBytes = 0
    /// The DATA bytes given back to the stream's flow-control window.
    var returnedBytes = 0

    init(
        id: UInt64,
        head: GRPCRequestHead,
        sink: GRPCResponseSink,
        framedRequest: [UInt8],
        ended: Bool,
        maximumResponseSize: Int,
        cancellation: GRPCCallCancellation = GRPCCallCancellation()
    ) {
        self.id = id
        self.head = head
        self.cancellation = cancellation
        self.sink = sink
        self.outbound = framedRequest
        self.outboundEnded = ended
        self.deframer = GRPCMessageDeframer(maximumMessageSize: maximumResponseSize)
        if let timeout = head.timeout {
            let (deadline, overflow) = MonotonicClock.now().addingReportingOverflow(timeout.nanoseconds)
            self.deadline = overflow ? .max : deadline
        } else {
            self.deadline = .max
        }
    }

    /// The received bytes that can go back to the stream's window now: all of them for a unary call (its one
    /// message is bounded by the response size limit), and for a stream all but what waits beyond the consumer's
    /// allowance. Counts them as returned.
    func bytesToReturn() -> Int {
        var target = receivedBytes
        if case .stream(let buffer) = sink, !finished { target -= buffer.withheldBytes() }
        guard target > returnedBytes else { return 0 }
        defer { returnedBytes = target }
        return target - returnedBytes
    }

    /// Whether the call is unary or a stream, for the connection's liveness rules.
    var kind: HTTP2ConnectionPolicy.CallKind {
        switch sink {
        case .unary: .unary
        case .stream: .stream
        }
    }

    /// Delivers one response message.
    func deliver(_ message: [UInt8]) {
        guard !finished else { return }
        switch sink {
        case .unary:
            if unaryResponse == nil { unaryResponse = message }
        case .stream(let buffer):
            buffer.append(message, framedSize: message.count + GRPCMessageDeframer.prefixSize)
        }
    }

    /// Ends the call with success, or with `error`. Only the first outcome counts.
    func finish(throwing error: (any Error)?) {
        guard !finished else { return }
        finished = true
        switch sink {
        case .unary(let continuation):
            if let error {
                continuation.resume(throwing: error)
            } else if let response = unaryResponse {
                continuation.resume(returning: response)
            } else {
                continuation.resume(
                    throwing: GRPCStatus(code: .internal, message: "the server sent no response message")
                )
            }
        case .stream(let buffer):
            buffer.finish(throwing: error)
        }
        unaryResponse = nil
        outbound = []
    }

    /// The outcome the response's status and the stream's end code stand for: `nil` for success.
    func outcome(resetCode: UInt32, endpoint: String) -> (any Error)? {
        metadata.outcome(resetCode: resetCode, hasPartialMessage: deframer.hasPartialMessage, endpoint: endpoint)
    }
}
