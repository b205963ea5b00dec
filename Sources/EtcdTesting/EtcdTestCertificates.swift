import Foundation

/// Certificates made with `openssl` at test time, in a temporary directory: a CA, a server certificate for
/// 127.0.0.1 and `localhost` signed by it, a client certificate signed by it, a second, unrelated CA, and an
/// RSA key pair for etcd's JWT auth tokens.
public final class EtcdTestCertificates: Sendable {
    /// The directory holding the files; ``remove()`` deletes it.
    public let directory: URL

    /// The CA that signed the server and client certificates.
    public var caFile: String { path("ca.crt") }
    /// The server certificate, valid for IP 127.0.0.1 and DNS `localhost`.
    public var serverCertificateFile: String { path("server.crt") }
    /// The server certificate's key.
    public var serverKeyFile: String { path("server.key") }
    /// A client certificate with common name `root`, signed by the CA.
    public var clientCertificateFile: String { path("client.crt") }
    /// The client certificate's key.
    public var clientKeyFile: String { path("client.key") }
    /// A CA that signed nothing here: trusting only it must fail the server check.
    public var otherCAFile: String { path("other-ca.crt") }
    /// A client certificate signed by the other CA: the server must refuse it.
    public var foreignClientCertificateFile: String { path("foreign-client.crt") }
    /// The foreign client certificate's key.
    public var foreignClientKeyFile: String { path("foreign-client.key") }
    /// An RSA private key for etcd's JWT auth tokens.
    public var jwtPrivateKeyFile: String { path("jwt.key") }
    /// The public half of ``jwtPrivateKeyFile``.
    public var jwtPublicKeyFile: String { path("jwt.pub") }

    /// etcd's `--auth-token` value for JWT tokens signed with these keys, which carry the auth store's
    /// revision (simple tokens do not).
    public var jwtAuthTokenArgument: String {
        "jwt,pub-key=\(jwtPublicKeyFile),priv-key=\(jwtPrivateKeyFile),sign-method=RS256,ttl=10m"
    }

    /// Makes every file with `openssl` (Debian `openssl`).
    ///
    /// - Throws: ``EtcdTestingError`` when `openssl` is missing or fails.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swift-etcd-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try makeCA("ca")
            try makeCA("other-ca")
            try makeSigned(
                "server",
                by: "ca",
                subject: "/CN=etcd-test-server",
                extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth"
            )
            try makeSigned("client", by: "ca", subject: "/CN=root", extensions: "extendedKeyUsage=clientAuth")
            try makeSigned(
                "foreign-client",
                by: "other-ca",
                subject: "/CN=root",
                extensions: "extendedKeyUsage=clientAuth"
            )
            try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", jwtPrivateKeyFile])
            try openssl(["pkey", "-in", jwtPrivateKeyFile, "-pubout", "-out", jwtPublicKeyFile])
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes the directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    private func makeCA(_ name: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).crt"), "-days", "2",
            "-subj", "/CN=swift-etcd test \(name)",
        ])
    }

    private func makeSigned(_ name: String, by ca: String, subject: String, extensions: String) throws {
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject,
        ])
        let extensionFile = path("\(name).ext")
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: extensionFile))
        try openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).crt"), "-CAkey", path("\(ca).key"),
            "-CAcreateserial", "-out", path("\(name).crt"), "-days", "2", "-extfile", extensionFile,
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        _ = try EtcdTestBinaries.run("openssl", package: "openssl", arguments: arguments)
    }
}
