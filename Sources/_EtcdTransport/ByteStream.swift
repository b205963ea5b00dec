/// A connected, non-blocking byte stream that one I/O thread reads and writes: a ``TCPSocket``, or a
/// ``TLSStream`` over one.
protocol ByteStream {
    /// The descriptor to poll for readiness.
    var descriptor: Int32 { get }
    /// Whether bytes already taken from the socket wait inside the stream, so that `poll` would not report them.
    var hasBufferedInput: Bool { get }
    /// Whether the stream needs the socket writable before it can read again (a TLS record it must answer).
    var needsWritableToRead: Bool { get }
    /// Whether the stream needs bytes from the socket before it can write again (a TLS record it must take
    /// first), so that waiting for the socket to be writable would spin.
    var needsReadableToWrite: Bool { get }
    /// Reads into `buffer` without blocking.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteStreamReadResult
    /// Writes as much of `bytes` as the stream takes without blocking.
    ///
    /// - Returns: the number of bytes taken (0 when it would block), or why the write failed.
    func write(_ bytes: UnsafeRawBufferPointer) -> Result<Int, ByteStreamFailure>
    /// Closes the stream and its descriptor.
    func close()
}

/// The result of a non-blocking read.
enum ByteStreamReadResult {
    /// This many bytes were read.
    case bytes(Int)
    /// Nothing to read now.
    case wouldBlock
    /// The peer closed the stream.
    case endOfStream
    /// The read failed; the text says why.
    case failed(ByteStreamFailure)
}

/// Why a read or write failed, as text for the connection error.
struct ByteStreamFailure: Error {
    /// The `errno` text, or the TLS library's reason.
    var detail: String
    /// Whether TLS failed (such as the server's alert refusing the client certificate), rather than the socket.
    var isTLS = false
}
