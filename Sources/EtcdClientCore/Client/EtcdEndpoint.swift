/// One etcd member's client address.
public struct EtcdEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The host name or IP address.
    public var host: String
    /// The client port. Defaults to 2379.
    public var port: Int

    /// Creates an endpoint.
    public init(host: String, port: Int = 2379) {
        self.host = host
        self.port = port
    }

    /// An endpoint by host name or address, on `port` (2379 by default).
    public static func hostname(_ host: String, port: Int = 2379) -> EtcdEndpoint {
        EtcdEndpoint(host: host, port: port)
    }

    /// Parses `host:port`, `[ipv6]:port`, `host`, or the same with an `http://` or `https://` scheme, as
    /// etcdctl accepts.
    ///
    /// The scheme is dropped: TLS is turned on by ``EtcdClient/Configuration/tls``, for every endpoint.
    /// Returns `nil` for an empty host, a port outside 1...65535, an IPv6 address without brackets,
    /// or another scheme.
    public init?(_ text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst(7)
        } else if rest.hasPrefix("https://") {
            rest = rest.dropFirst(8)
        } else if rest.contains("://") {
            return nil
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        var host = rest
        var port = 2379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard !host.contains(":") else { return nil }  // an IPv6 address needs brackets
            guard let value = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = value
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
