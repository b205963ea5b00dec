import _EtcdTransport

/// The client's connections: one live HTTP/2 connection at a time. When it fails, or the server sends GOAWAY,
/// or a call finds its member unable to serve, the next endpoint is used (see ``EndpointBalancer``).
final class EtcdChannel: Sendable {
    /// What ``connection(until:)`` found: a connection, a wait before it may connect (and the generation of
    /// connections it waits on), or a failure to report.
    private enum Attempt {
        case ready(HTTP2Connection)
        case wait(Duration, generation: Int)
        case failed(any Error)
    }

    private struct State {
        var endpoints: [EtcdEndpoint]
        var current: HTTP2Connection?
        var currentEndpoint: EtcdEndpoint?
        /// Whether a call has succeeded on the current connection yet.
        var currentConfirmed = false
        var balancer: EndpointBalancer
        var notBefore = ContinuousClock.now
        /// How many connections were made so far.
        var generation = 0
        /// Why the last replaced connection failed, with its request certainly not sent.
        var lastConnectionFailure: GRPCConnectionError?
        var retired: [HTTP2Connection] = []
        /// Connections made for calls pinned to one member (see ``connection(to:)``), until their call ends.
        var pinned: [ObjectIdentifier: HTTP2Connection] = [:]
        var closed = false
    }

    /// The client's configuration.
    let configuration: EtcdClient.Configuration
    private let tlsContext: TLSContext?
    private let state: LockedValue<State>
    /// The token keeper, when the client authenticates.
    let authenticator: EtcdAuthenticator?
    /// Where the client's log records go.
    let logger: EtcdLogger
    /// Where statistics go, if anywhere.
    let statisticsSink: EtcdStatisticsSink?
    /// The tasks of the client and its recipes, which closing the client waits for.
    let backgroundTasks = EtcdBackgroundTasks()

    /// Creates the channel; it connects on the first call.
    ///
    /// - Throws: ``EtcdError/Code/invalidConfiguration`` when the TLS files cannot be used.
    init(configuration: EtcdClient.Configuration) throws(EtcdError) {
        self.configuration = configuration
        if let tls = configuration.tls {
            do {
                tlsContext = try TLSContext(
                    trustedCAFile: tls.trustedCAFile,
                    certificateFile: tls.certificateFile,
                    keyFile: tls.keyFile,
                    serverName: tls.serverName,
                    verifiesServer: tls.verifiesServer
                )
            } catch {
                throw EtcdError(.invalidConfiguration, message: "tls: \(error)", requestNotSent: true)
            }
        } else {
            tlsContext = nil
        }
        let logger = EtcdLogger(configuration)
        self.logger = logger
        self.statisticsSink = configuration.statisticsSink
        self.authenticator = configuration.authentication.map { EtcdAuthenticator($0, logger: logger) }
        self.state = LockedValue(
            State(
                endpoints: configuration.endpoints,
                balancer: EndpointBalancer(count: configuration.endpoints.count)
            )
        )
    }

    /// Thrown by ``connection(until:)`` when connecting again would have to wait past the deadline.
    struct NoTimeToConnect: Error {
        /// Why the last connection failed, if one did.
        let lastFailure: GRPCConnectionError?
    }

    /// The connection to use now: the current one if it takes calls, otherwise a new one to the next endpoint,
    /// after the backoff when every endpoint has failed in a row.
    ///
    /// A caller that waited out a backoff while another caller's new connection failed gets that failure
    /// rather than another wait, so that under many callers each one still makes progress and its retry rule
    /// decides; and a wait that would pass `deadline` is not started.
    ///
    /// - Parameter deadline: when the caller's call must end; `nil` for none.
    /// - Throws: ``EtcdError/Code/clientClosed``; ``GRPCConnectionError`` (never sent) for a connection that
    ///   failed meanwhile; ``NoTimeToConnect`` for a wait past the deadline; `CancellationError` while waiting
    ///   out the backoff.
    func connection(until deadline: ContinuousClock.Instant? = nil) async throws -> HTTP2Connection {
        var waitedOn: Int?
        while true {
            let attempt = try state.withLock { state throws(EtcdError) -> Attempt in
                if state.closed {
                    throw EtcdError(.clientClosed, message: "the client is closed", requestNotSent: true)
                }
                guard !state.endpoints.isEmpty else {
                    throw EtcdError(
                        .connectionFailed,
                        message: "the configuration has no endpoints",
                        requestNotSent: true
                    )
                }
                if let current = state.current {
                    if current.isAcceptingCalls { return .ready(current) }
                    replace(current, in: &state, reason: nil)
                }
                if let waitedOn, state.generation != waitedOn, let failure = state.lastConnectionFailure {
                    return .failed(failure)
                }
                let wait = state.notBefore - .now
                if wait > .zero {
                    if let deadline, state.notBefore > deadline {
                        return .failed(NoTimeToConnect(lastFailure: state.lastConnectionFailure))
                    }
                    return .wait(wait, generation: state.generation)
                }
                let endpoint = state.endpoints[state.balancer.index]
                let connection = makeConnection(to: endpoint)
                state.current = connection
                state.currentEndpoint = endpoint
                state.currentConfirmed = false
                state.generation += 1
                logger.log(.debug, "connecting", ["endpoint": endpoint.description])
                statisticsSink?(.connecting(endpoint: endpoint.description))
                return .ready(connection)
            }
            switch attempt {
            case .ready(let connection): return connection
            case .failed(let error): throw error
            case .wait(let wait, let generation):
                waitedOn = generation
                try await Task.sleep(for: wait)
            }
        }
    }

    /// The connection for a call pinned to the member at `endpoint`: the current connection when it goes there,
    /// otherwise a new one for this call alone, which the caller gives back with ``release(_:)`` when the call ends
    /// (as the Go client dials a member for each maintenance call). Pinned connections never fail over and never
    /// replace the client's own; ``close()`` closes any still open.
    ///
    /// - Returns: the connection, and whether it is the call's own (to release).
    /// - Throws: ``EtcdError/Code/clientClosed``.
    func connection(to endpoint: EtcdEndpoint) throws(EtcdError) -> (connection: HTTP2Connection, owned: Bool) {
        try state.withLock { state throws(EtcdError) -> (connection: HTTP2Connection, owned: Bool) in
            if state.closed {
                throw EtcdError(.clientClosed, message: "the client is closed", requestNotSent: true)
            }
            if state.currentEndpoint == endpoint, let current = state.current, current.isAcceptingCalls {
                return (current, false)
            }
            let connection = makeConnection(to: endpoint)
            state.pinned[ObjectIdentifier(connection)] = connection
            logger.log(.debug, "connecting for a call to one member", ["endpoint": endpoint.description])
            return (connection, true)
        }
    }

    /// Closes a connection of ``connection(to:)`` once its call ended.
    func release(_ connection: HTTP2Connection) {
        let owned = state.withLock { $0.pinned.removeValue(forKey: ObjectIdentifier(connection)) != nil }
        guard owned else { return }
        if backgroundTasks.start({ await connection.close() }) == nil { Task { await connection.close() } }
    }

    /// The auth metadata for a call or stream on `connection`: empty without authentication, or while the server
    /// has authentication off. Authenticates first, within `timeout`, when there is no token.
    ///
    /// - Throws: what `Authenticate` failed with, as the transport reports it; `CancellationError`.
    func authMetadata(
        on connection: HTTP2Connection,
        timeout: Duration?
    ) async throws -> [(
        name: String, value: String
    )] {
        guard let authenticator else { return [] }
        return try await authenticator.metadata(using: connection, timeout: timeout)
    }

    /// A streaming call opened on the current connection, with what it was opened with.
    struct OpenedStream {
        /// The connection it runs on.
        let connection: HTTP2Connection
        /// The stream.
        let stream: GRPCStream
        /// The auth metadata it carries, to invalidate if the server rejects the token.
        let auth: [(name: String, value: String)]
    }

    /// Opens a streaming call of `path` on the current connection, with the auth token attached.
    ///
    /// - Throws: ``EtcdError`` (`.clientClosed`, `.authenticationFailed`, ...); `CancellationError`.
    func openStream(
        path: String,
        metadata: [(name: String, value: String)] = [],
        timeout: Duration? = nil
    ) async throws -> OpenedStream {
        let connection: HTTP2Connection
        let auth: [(name: String, value: String)]
        do {
            connection = try await self.connection(until: nil)
            auth = try await authMetadata(on: connection, timeout: configuration.defaultCallOptions.timeout)
        } catch {
            throw EtcdClient.publicError(for: error)
        }
        let head = GRPCRequestHead(path: path, metadata: metadata + auth, timeout: timeout)
        return OpenedStream(connection: connection, stream: connection.makeStream(head), auth: auth)
    }

    /// Stops using `connection` for new calls (its member cannot serve them, such as one without a leader); the
    /// next call connects to the next endpoint.
    func abandon(_ connection: HTTP2Connection, reason: String) {
        state.withLock { state in
            guard state.current === connection else { return }
            replace(connection, in: &state, reason: reason)
        }
    }

    /// A call succeeded on `connection`: the endpoint is healthy.
    func succeeded(on connection: HTTP2Connection) {
        state.withLock { state in
            guard state.current === connection else { return }
            state.balancer.succeeded()
            state.lastConnectionFailure = nil
            if !state.currentConfirmed {
                state.currentConfirmed = true
                logger.log(.info, "connected", ["endpoint": state.currentEndpoint?.description ?? "?"])
            }
        }
    }

    /// Retires the current `connection` and moves to the next endpoint; logs why (`reason`, or the error the
    /// connection ended with). A connection left without failing (`failed` false: its endpoint was removed from
    /// the list) starts no backoff.
    private func replace(_ connection: HTTP2Connection, in state: inout State, reason: String?, failed: Bool = true) {
        let endpoint = state.currentEndpoint?.description ?? "?"
        state.current = nil
        state.currentEndpoint = nil
        state.retired.append(connection)
        if backgroundTasks.start({ [self] in await retire(connection) }) == nil {
            // The client is closing: its close already took the connections it knew of.
            Task { await connection.close() }
        }
        let wait = failed ? state.balancer.connectionFailed() : .zero
        if failed { state.notBefore = .now + wait }
        let terminalError = connection.terminalError
        if var failure = terminalError, failure.reason != .closed {
            failure.requestNotSent = true  // for the callers that wait: nothing of theirs went on it
            state.lastConnectionFailure = failure
        }
        let why =
            reason ?? terminalError.map { EtcdError(connection: $0).message }
            ?? connection.goingAwayReason ?? "closed"
        statisticsSink?(.failover(from: endpoint, reason: why))
        var metadata = ["endpoint": endpoint, "reason": why, "next": state.endpoints[state.balancer.index].description]
        if wait > .zero {
            metadata["backoff"] = "\(wait)"
            logger.log(.warning, "every endpoint failed; waiting before the next attempt", metadata)
        } else {
            logger.log(.notice, "failing over to the next endpoint", metadata)
        }
    }

    /// Replaces the endpoint list (auto-sync). The current connection stays in use while it works, even when
    /// its endpoint is no longer listed; the next connection uses the new list.
    ///
    /// - Returns: whether the list changed.
    @discardableResult
    func updateEndpoints(_ endpoints: [EtcdEndpoint]) -> Bool {
        guard !endpoints.isEmpty else { return false }
        return state.withLock { state in
            guard state.endpoints != endpoints else { return false }
            state.endpoints = endpoints
            // A connection whose endpoint is no longer listed stays until it fails; the balancer then steps to
            // the next position, so it is placed just before the first.
            let position =
                state.currentEndpoint.flatMap { endpoints.firstIndex(of: $0) }
                ?? (state.current == nil ? 0 : endpoints.count - 1)
            state.balancer.endpointsChanged(count: endpoints.count, current: position)
            return true
        }
    }

    /// Replaces the endpoint list by hand: as ``updateEndpoints(_:)``, and a current connection to an endpoint no
    /// longer listed is left at once (its open calls finish on it) so that the next call uses the new list.
    func replaceEndpoints(_ endpoints: [EtcdEndpoint]) {
        guard updateEndpoints(endpoints) else { return }
        state.withLock { state in
            guard let current = state.current, let endpoint = state.currentEndpoint,
                !state.endpoints.contains(endpoint)
            else { return }
            replace(current, in: &state, reason: "its endpoint was removed from the list", failed: false)
        }
    }

    /// The endpoints in use now: the configured ones, or the latest synced list.
    var endpoints: [EtcdEndpoint] { state.withLock { $0.endpoints } }

    private func makeConnection(to endpoint: EtcdEndpoint) -> HTTP2Connection {
        var settings = HTTP2ConnectionConfiguration(host: endpoint.host, port: endpoint.port)
        settings.connectTimeout = configuration.connectTimeout
        settings.keepaliveInterval = configuration.keepalive.interval
        settings.keepaliveTimeout = configuration.keepalive.timeout
        settings.tls = tlsContext
        if let limit = configuration.maxResponseBytes { settings.maximumResponseSize = limit }
        return HTTP2Connection(configuration: settings)
    }

    /// Lets a replaced connection finish the calls open on it (up to the default call timeout, 30 seconds
    /// without one), then closes it, joins its thread and forgets it. Streams still open on it then re-open on
    /// the current connection.
    private func retire(_ connection: HTTP2Connection) async {
        await connection.drain(within: configuration.defaultCallOptions.timeout ?? .seconds(30))
        state.withLock { state in state.retired.removeAll { $0 === connection } }
    }

    /// The endpoint of the current connection, if there is one.
    var currentEndpoint: EtcdEndpoint? { state.withLock { $0.currentEndpoint } }

    /// The number of endpoints.
    var endpointCount: Int { state.withLock { $0.endpoints.count } }

    /// Closes every connection and waits for their threads to end. Later calls fail with `clientClosed`.
    func close() async {
        let connections = state.withLock { state -> [HTTP2Connection] in
            state.closed = true
            defer {
                state.current = nil
                state.retired = []
            }
            defer { state.pinned = [:] }
            return state.retired + (state.current.map { [$0] } ?? []) + state.pinned.values
        }
        for connection in connections { await connection.close() }
    }
}
