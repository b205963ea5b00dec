/// TLS settings: how the client proves the server is who it says, and optionally who the client is.
///
/// Certificates and keys are PEM files, as etcd's `--trusted-ca-file`, `--cert-file` and `--key-file` take
/// them. The files are read when the client is created; a missing or unreadable file makes
/// ``EtcdClient/init(configuration:)`` throw ``EtcdError/Code/invalidConfiguration``.
public struct EtcdTLS: Sendable, Hashable {
    /// The CA certificates that may sign the server's certificate; `nil` (the default) uses the system's
    /// trust store.
    public var trustedCAFile: String?
    /// The client certificate (chain) for mutual TLS; `nil` (the default) sends none.
    public var certificateFile: String?
    /// The private key of ``certificateFile``.
    public var keyFile: String?
    /// The name the server's certificate must carry, and the name sent in SNI; `nil` (the default) uses each
    /// endpoint's host.
    public var serverName: String?
    /// Whether the server's certificate is checked against the CAs and the name. Defaults to `true`. Turning it
    /// off, as etcdctl's `--insecure-skip-tls-verify` does, still encrypts but trusts any server.
    public var verifiesServer: Bool = true

    /// Creates TLS settings.
    ///
    /// - Parameters:
    ///   - trustedCAFile: PEM CA certificates for the server's certificate; `nil` uses the system's.
    ///   - certificateFile: the PEM client certificate for mutual TLS.
    ///   - keyFile: the PEM private key of the client certificate.
    ///   - serverName: the name to check in the server's certificate instead of the endpoint's host.
    public init(
        trustedCAFile: String? = nil,
        certificateFile: String? = nil,
        keyFile: String? = nil,
        serverName: String? = nil
    ) {
        self.trustedCAFile = trustedCAFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }
}
