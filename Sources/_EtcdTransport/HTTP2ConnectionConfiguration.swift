/// How one HTTP/2 connection to one endpoint is made and kept alive.
package struct HTTP2ConnectionConfiguration: Sendable, Hashable {
    /// The host name or address to connect to.
    package var host: String
    /// The TCP port.
    package var port: Int
    /// How long connecting (name resolution and TCP handshake) may take. Defaults to 5 seconds.
    package var connectTimeout: Duration = .seconds(5)
    /// How long the connection may stay silent while calls are open before a PING is sent;
    /// `nil` turns keepalive off. Defaults to 10 seconds (etcd rejects pings more often than every 5 seconds).
    package var keepaliveInterval: Duration? = .seconds(10)
    /// How long to wait for a PING acknowledgement before the connection is declared dead. Defaults to 5 seconds.
    package var keepaliveTimeout: Duration = .seconds(5)
    /// The HTTP/2 receive window of each stream, in bytes. Defaults to 16 MiB.
    package var streamWindowSize: Int = 16 << 20
    /// The HTTP/2 receive window of the whole connection, in bytes. Defaults to 64 MiB.
    package var connectionWindowSize: Int = 64 << 20
    /// The TLS context; `nil` (the default) for plain text.
    package var tls: TLSContext?
    /// The largest response message accepted, in bytes. Defaults to 2 GiB - 1, as the Go client.
    package var maximumResponseSize: Int = Int(Int32.max)

    /// Creates a configuration for `host:port` with default timings.
    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The endpoint as `host:port`, for `:authority` and for error messages.
    package var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
