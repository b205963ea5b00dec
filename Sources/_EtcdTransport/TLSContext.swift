import COpenSSL

/// The TLS settings shared by every connection of one client: an OpenSSL `SSL_CTX` with the trusted CAs, the
/// client certificate and key, verification on or off, and ALPN `h2`.
///
/// Invariant that makes `@unchecked Sendable` sound: the context is fully set up in `init` and never changed
/// afterwards; OpenSSL allows creating `SSL` objects from one such context on many threads at once.
package final class TLSContext: @unchecked Sendable, Hashable {
    /// The OpenSSL context.
    let context: OpaquePointer
    /// Whether the server's certificate and name are checked.
    let verifiesServer: Bool
    /// The name to check in the server's certificate instead of the endpoint's host.
    let serverName: String?

    /// Why a context could not be made: the text names the file and OpenSSL's reason.
    package struct SetupError: Error, CustomStringConvertible {
        /// What failed.
        package var description: String
    }

    /// Creates a context from PEM files.
    ///
    /// - Parameters:
    ///   - trustedCAFile: CA certificates for the server's certificate; `nil` uses the system's trust store.
    ///   - certificateFile: the client certificate chain for mutual TLS, or `nil`.
    ///   - keyFile: the private key of `certificateFile`.
    ///   - serverName: the name the server's certificate must carry, instead of each endpoint's host.
    ///   - verifiesServer: whether the server's certificate is checked at all.
    /// - Throws: ``SetupError`` naming the file that could not be used.
    package init(
        trustedCAFile: String?,
        certificateFile: String?,
        keyFile: String?,
        serverName: String?,
        verifiesServer: Bool
    ) throws(SetupError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw SetupError(description: "OpenSSL could not create a TLS context: \(Self.lastErrorText())")
        }
        self.context = context
        self.verifiesServer = verifiesServer
        self.serverName = serverName
        _ = c_openssl_ctx_set_min_tls12(context)
        c_openssl_ctx_ignore_unexpected_eof(context)
        c_openssl_ctx_refuse_passphrase_prompt(context)
        _ = c_openssl_ctx_set_mode(
            context,
            Int(SSL_MODE_ENABLE_PARTIAL_WRITE) | Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        )
        SSL_CTX_set_verify(context, verifiesServer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        let alpn: [UInt8] = [2, UInt8(ascii: "h"), UInt8(ascii: "2")]
        guard SSL_CTX_set_alpn_protos(context, alpn, UInt32(alpn.count)) == 0 else {
            throw SetupError(description: "OpenSSL could not set ALPN h2: \(Self.lastErrorText())")
        }
        if let trustedCAFile {
            guard SSL_CTX_load_verify_locations(context, trustedCAFile, nil) == 1 else {
                throw SetupError(description: "cannot use trusted CA file \(trustedCAFile): \(Self.lastErrorText())")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(context)
            ERR_clear_error()  // a missing system store shows later as an untrusted server
        }
        switch (certificateFile, keyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
                throw SetupError(description: "cannot use certificate file \(certificateFile): \(Self.lastErrorText())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
                throw SetupError(description: "cannot use key file \(keyFile): \(Self.lastErrorText())")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw SetupError(
                    description: "key file \(keyFile) does not match certificate file \(certificateFile)"
                )
            }
        case (_?, nil):
            throw SetupError(description: "a client certificate file needs its key file")
        case (nil, _?):
            throw SetupError(description: "a key file needs its client certificate file")
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// The reasons OpenSSL queued on this thread, oldest first, joined; the queue is emptied.
    static func lastErrorText() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            guard let reason = ERR_reason_error_string(code) else {
                reasons.append("OpenSSL error \(code)")
                continue
            }
            let text = String(cString: reason)
            if !reasons.contains(text) { reasons.append(text) }
        }
        return reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
    }

    /// Contexts are equal only when they are the same object.
    package static func == (lhs: TLSContext, rhs: TLSContext) -> Bool { lhs === rhs }

    /// Hashes the object's identity.
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
