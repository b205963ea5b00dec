/// A failure of the connection a call ran on, rather than a status the server sent.
package struct GRPCConnectionError: Error, Sendable, Hashable {
    /// What went wrong with the connection.
    package enum Reason: Sendable, Hashable {
        /// The endpoint's name did not resolve.
        case resolutionFailed
        /// The TCP connection could not be made (refused, unreachable, or timed out).
        case connectFailed
        /// The connection broke: the peer closed it, reset it, or a socket call failed.
        case connectionLost
        /// No HTTP/2 PING acknowledgement came back within the keepalive timeout.
        case keepaliveTimeout
        /// The connection takes no new streams: the server sent GOAWAY, or this client stopped using it (it moved
        /// to another endpoint, or the connection went silent after a request); ``detail`` says which.
        case goingAway
        /// The peer broke the HTTP/2 protocol, or sent bytes that are not HTTP/2.
        case protocolError
        /// The TLS handshake failed: an untrusted or misnamed certificate, a refused client certificate, or a
        /// server that does not speak TLS.
        case tlsFailed
        /// This client moved to another endpoint and closed the connection with calls still open on it.
        case retired
        /// The connection was closed by this client.
        case closed
    }

    /// The endpoint, as `host:port`.
    package var endpoint: String
    /// What went wrong.
    package var reason: Reason
    /// Detail for logs, such as the `errno` text.
    package var detail: String
    /// Whether the request certainly never reached the server, so that even a write may be retried.
    package var requestNotSent: Bool

    /// Creates a connection error.
    package init(endpoint: String, reason: Reason, detail: String, requestNotSent: Bool) {
        self.endpoint = endpoint
        self.reason = reason
        self.detail = detail
        self.requestNotSent = requestNotSent
    }
}
