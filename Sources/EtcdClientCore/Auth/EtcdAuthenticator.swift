import Synchronization
import _EtcdTransport
import _EtcdWire

/// Holds the auth token of a client that authenticates with a password, and gets a new one when needed.
final class EtcdAuthenticator: Sendable {
    private let authentication: EtcdAuthentication
    private let token = Mutex<String?>(nil)
    private let logger: EtcdLogger

    init(_ authentication: EtcdAuthentication, logger: EtcdLogger) {
        self.authentication = authentication
        self.logger = logger
    }

    /// The metadata that carries the token, authenticating first when there is none.
    ///
    /// - Throws: ``EtcdError/Code/authenticationFailed`` for wrong credentials, at once.
    func metadata(using connection: HTTP2Connection, timeout: Duration?) async throws -> [(name: String, value: String)]
    {
        if let current = token.withLock({ $0 }) { return [("token", current)] }
        return [("token", try await authenticate(using: connection, timeout: timeout))]
    }

    /// Forgets `rejected`, the token the server just called invalid, so the next call authenticates again.
    func invalidate(_ rejected: [(name: String, value: String)]) {
        guard let rejectedToken = rejected.first(where: { $0.name == "token" })?.value else { return }
        let forgotten = token.withLock { current in
            guard current == rejectedToken else { return false }
            current = nil
            return true
        }
        if forgotten { logger.log(.info, "the server rejected the auth token; authenticating again") }
    }

    private func authenticate(using connection: HTTP2Connection, timeout: Duration?) async throws -> String {
        guard case .password(let username, let password) = authentication else { return "" }
        var request = EtcdserverPB.AuthenticateRequest()
        request.name = username
        request.password = password
        let bytes: [UInt8]
        do {
            bytes = try await connection.unary(
                GRPCRequestHead(path: EtcdserverPB.AuthService.Authenticate.path, timeout: timeout),
                request: request.serializedBytes()
            )
        } catch {
            logger.log(
                .error,
                "authentication failed",
                ["username": username, "reason": "\(EtcdClient.publicError(for: error))"]
            )
            throw error
        }
        let response = try EtcdserverPB.AuthenticateResponse(serializedBytes: bytes)
        token.withLock { $0 = response.token }
        logger.log(.info, "authenticated", ["username": username])
        return response.token
    }
}
