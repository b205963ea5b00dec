import _EtcdTransport
import _EtcdWire

/// Holds the auth token of a client that authenticates with a password, and gets a new one when needed.
///
/// Concurrent calls that find no token share one `Authenticate` (single flight). When the server says
/// authentication is not enabled, calls go on without a token until the server asks for one again (it was
/// enabled again: a call without a token is refused for its empty user name), and then authenticate.
final class EtcdAuthenticator: Sendable {
    private enum Credential {
        /// No token yet, or the last one was refused.
        case none
        /// The token to send.
        case token(String)
        /// The server has authentication off: calls carry no token.
        case notNeeded
    }

    private struct State {
        var credential = Credential.none
        /// The `Authenticate` in flight, shared by every caller that waits for a token.
        var flight: Task<Credential, any Error>?
    }

    private let authentication: EtcdAuthentication
    private let state = LockedValue(State())
    private let logger: EtcdLogger

    init(_ authentication: EtcdAuthentication, logger: EtcdLogger) {
        self.authentication = authentication
        self.logger = logger
    }

    /// The metadata that carries the token (none while the server has authentication off), authenticating first
    /// on `connection` when there is no token, within `timeout`.
    ///
    /// - Throws: what `Authenticate` failed with, as the transport reports it (``GRPCConnectionError``,
    ///   ``GRPCStatus``); `CancellationError`.
    func metadata(using connection: HTTP2Connection, timeout: Duration?) async throws -> [(name: String, value: String)]
    {
        let flight = state.withLock { state -> Task<Credential, any Error>? in
            switch state.credential {
            case .token, .notNeeded: return nil
            case .none: break
            }
            if let flight = state.flight { return flight }
            let flight = Task { try await self.authenticate(using: connection, timeout: timeout) }
            state.flight = flight
            return flight
        }
        let credential: Credential
        if let flight {
            // The flight is shared, so a cancelled caller does not cancel it; it is bounded by its timeout.
            credential = try await flight.value
            try Task.checkCancellation()
        } else {
            credential = state.withLock { $0.credential }
        }
        switch credential {
        case .token(let token): return [("token", token)]
        case .notNeeded, .none: return []
        }
    }

    /// Forgets the credential a refused call carried (`rejected`, its metadata), so that the next call
    /// authenticates again: a refused token, or no token while the server had authentication off.
    func invalidate(_ rejected: [(name: String, value: String)]) {
        let rejectedToken = rejected.first(where: { $0.name == "token" })?.value
        let forgotten = state.withLock { state in
            switch (state.credential, rejectedToken) {
            case (.token(let current), let rejected?) where current == rejected:
                state.credential = .none
                return true
            case (.notNeeded, nil):
                state.credential = .none
                return true
            default:
                return false
            }
        }
        if forgotten { logger.log(.info, "the server rejected the auth token; authenticating again") }
    }

    private func authenticate(using connection: HTTP2Connection, timeout: Duration?) async throws -> Credential {
        guard case .password(let username, let password) = authentication.method else { return .notNeeded }
        var request = EtcdserverPB.AuthenticateRequest()
        request.name = username
        request.password = password
        let credential: Credential
        do {
            let bytes = try await connection.unary(
                GRPCRequestHead(path: EtcdserverPB.AuthService.Authenticate.path, timeout: timeout),
                framedRequest: request.grpcFramedBytes()
            )
            credential = .token(try EtcdserverPB.AuthenticateResponse(serializedBytes: bytes).token)
            logger.log(.info, "authenticated", ["username": username])
        } catch let status as GRPCStatus where EtcdError(status: status).code == .authNotEnabled {
            credential = .notNeeded
            logger.log(.notice, "the server has authentication off; calls go on without a token")
        } catch {
            state.withLock { $0.flight = nil }
            logger.log(
                .error,
                "authentication failed",
                ["username": username, "reason": "\(EtcdClient.publicError(for: error))"]
            )
            throw error
        }
        state.withLock { state in
            state.credential = credential
            state.flight = nil
        }
        return credential
    }
}
