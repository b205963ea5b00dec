import COpenSSL
import Glibc

/// A TLS session over a connected ``TCPSocket``, owned by one connection's I/O thread.
///
/// The socket stays non-blocking: OpenSSL's "want read" and "want write" become "would block", and the I/O
/// loop polls again.
final class TLSStream: ByteStream {
    private let socket: TCPSocket
    private let ssl: OpaquePointer
    private var readNeedsWritable = false
    private var writeNeedsReadable = false
    /// Whether OpenSSL reported a fatal error, after which the session must not be shut down.
    private var failedFatally = false

    /// The descriptor of the underlying socket.
    var descriptor: Int32 { socket.descriptor }

    /// Whether decrypted or read-ahead bytes wait inside OpenSSL.
    var hasBufferedInput: Bool { SSL_has_pending(ssl) != 0 }

    /// Whether the last read stopped because OpenSSL must write first.
    var needsWritableToRead: Bool { readNeedsWritable }

    /// Whether the last write stopped because OpenSSL must read first.
    var needsReadableToWrite: Bool { writeNeedsReadable }

    private init(socket: TCPSocket, ssl: OpaquePointer) {
        self.socket = socket
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
    }

    /// Runs the TLS handshake on `socket` before `deadline` (monotonic nanoseconds), checking the server's
    /// certificate and name as `context` says, and offering ALPN `h2`.
    ///
    /// On failure the socket is closed.
    static func handshake(
        on socket: TCPSocket,
        context: TLSContext,
        host: String,
        endpoint: String,
        deadline: Int64,
        wakeDescriptor: Int32,
        shouldAbort: () -> Bool
    ) -> Result<TLSStream, GRPCConnectionError> {
        func failure(_ reason: GRPCConnectionError.Reason, _ detail: String) -> Result<TLSStream, GRPCConnectionError> {
            socket.close()
            return .failure(
                GRPCConnectionError(endpoint: endpoint, reason: reason, detail: detail, requestNotSent: true)
            )
        }
        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else {
            return failure(.tlsFailed, "OpenSSL could not create a session: \(TLSContext.lastErrorText())")
        }
        let stream = TLSStream(socket: socket, ssl: ssl)
        _ = SSL_set_fd(ssl, socket.descriptor)
        let name = context.serverName ?? host
        let isAddress = Self.isIPAddress(name)
        if !isAddress { _ = c_openssl_set_server_name(ssl, name) }
        if context.verifiesServer {
            let parameters = SSL_get0_param(ssl)
            let accepted =
                isAddress
                ? X509_VERIFY_PARAM_set1_ip_asc(parameters, name) : X509_VERIFY_PARAM_set1_host(parameters, name, 0)
            guard accepted == 1 else { return failure(.tlsFailed, "cannot check the server's name \(name)") }
        }
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 { break }
            let wanted: Int32
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: wanted = Int32(POLLIN)
            case SSL_ERROR_WANT_WRITE: wanted = Int32(POLLOUT)
            case let code:
                return failure(.tlsFailed, stream.handshakeFailureText(errorCode: code, errno: errno))
            }
            switch DescriptorWait.until(
                socket.descriptor,
                is: wanted,
                deadline: deadline,
                wakeDescriptor: wakeDescriptor,
                shouldAbort: shouldAbort
            ) {
            case .ready: continue
            case .aborted: return failure(.closed, "closed during the TLS handshake")
            case .timedOut: return failure(.connectFailed, "the TLS handshake timed out")
            case .failed(let detail): return failure(.tlsFailed, detail)
            }
        }
        var selected: UnsafePointer<UInt8>?
        var selectedLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &selected, &selectedLength)
        if let selected, selectedLength > 0 {
            let protocolName = String(
                decoding: UnsafeBufferPointer(start: selected, count: Int(selectedLength)),
                as: UTF8.self
            )
            if protocolName != "h2" {
                return failure(.tlsFailed, "the server chose ALPN protocol \(protocolName), not h2")
            }
        }
        return .success(stream)
    }

    /// Why the handshake failed: the certificate check's verdict when it failed, otherwise OpenSSL's reasons.
    private func handshakeFailureText(errorCode: Int32, errno code: Int32) -> String {
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK {
            return "certificate verify failed: \(String(cString: X509_verify_cert_error_string(verdict)))"
        }
        if errorCode == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 {
            return code == 0 ? "the server closed the connection during the TLS handshake" : errnoText(code)
        }
        return TLSContext.lastErrorText()
    }

    /// Whether `name` is an IPv4 or IPv6 address rather than a host name.
    private static func isIPAddress(_ name: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
    }

    /// Reads decrypted bytes into `buffer` without blocking.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteStreamReadResult {
        readNeedsWritable = false
        ERR_clear_error()
        let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if count > 0 { return .bytes(Int(count)) }
        switch SSL_get_error(ssl, count) {
        case SSL_ERROR_WANT_READ:
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            readNeedsWritable = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .endOfStream
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            failedFatally = true
            return errno == 0 ? .endOfStream : .failed(ByteStreamFailure(detail: errnoText()))
        default:
            failedFatally = true
            return .failed(ByteStreamFailure(detail: TLSContext.lastErrorText(), isTLS: true))
        }
    }

    /// Encrypts and writes as much of `bytes` as the socket takes without blocking.
    func write(_ bytes: UnsafeRawBufferPointer) -> Result<Int, ByteStreamFailure> {
        guard !bytes.isEmpty else { return .success(0) }
        writeNeedsReadable = false
        ERR_clear_error()
        let count = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        if count > 0 { return .success(Int(count)) }
        switch SSL_get_error(ssl, count) {
        case SSL_ERROR_WANT_READ:
            writeNeedsReadable = true
            return .success(0)
        case SSL_ERROR_WANT_WRITE:
            return .success(0)
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            failedFatally = true
            return .failure(ByteStreamFailure(detail: errnoText()))
        default:
            failedFatally = true
            return .failure(ByteStreamFailure(detail: TLSContext.lastErrorText(), isTLS: true))
        }
    }

    /// Sends a close-notify if the socket takes it at once (not after a fatal error, as OpenSSL requires), then
    /// closes the socket.
    func close() {
        if !failedFatally {
            _ = SSL_shutdown(ssl)
        }
        ERR_clear_error()
        socket.close()
    }
}
