import Synchronization
import _EtcdTransport

/// The client's connections: one live HTTP/2 connection at a time, replaced on the next endpoint when
/// it fails or the server sends GOAWAY.
final class EtcdChannel: Sendable {
    private struct State {
        var current: HTTP2Connection?
        var endpointIndex = 0
        var retired: [HTTP2Connection] = []
        var closed = false
    }

    private let configuration: EtcdClient.Configuration
    private let state = Mutex(State())

    init(configuration: EtcdClient.Configuration) {
        self.configuration = configuration
    }

    /// The connection to use now: the current one if it takes calls, otherwise a new one to the next endpoint.
    func connection() throws(EtcdError) -> HTTP2Connection {
        try state.withLock { state throws(EtcdError) -> HTTP2Connection in
            if state.closed { throw EtcdError(.clientClosed, message: "the client is closed", requestNotSent: true) }
            if let current = state.current, current.isAcceptingCalls { return current }
            if let failed = state.current {
                state.retired.append(failed)
                Task { [self] in await retire(failed) }
                if failed.terminalError?.reason == .connectFailed || failed.terminalError?.reason == .resolutionFailed {
                    state.endpointIndex = (state.endpointIndex + 1) % configuration.endpoints.count
                }
            }
            guard !configuration.endpoints.isEmpty else {
                throw EtcdError(.connectionFailed, message: "the configuration has no endpoints", requestNotSent: true)
            }
            let endpoint = configuration.endpoints[state.endpointIndex]
            var settings = HTTP2ConnectionConfiguration(host: endpoint.host, port: endpoint.port)
            settings.connectTimeout = configuration.connectTimeout
            settings.keepaliveInterval = configuration.keepalive.interval
            settings.keepaliveTimeout = configuration.keepalive.timeout
            let connection = HTTP2Connection(configuration: settings)
            state.current = connection
            return connection
        }
    }

    /// Joins a replaced connection's thread and forgets it.
    private func retire(_ connection: HTTP2Connection) async {
        await connection.close()
        state.withLock { state in state.retired.removeAll { $0 === connection } }
    }

    /// The number of endpoints, which bounds how often a call that was certainly not sent is tried again.
    var endpointCount: Int { configuration.endpoints.count }

    /// Closes every connection and waits for their threads to end. Later calls fail with `clientClosed`.
    func close() async {
        let connections = state.withLock { state -> [HTTP2Connection] in
            state.closed = true
            defer {
                state.current = nil
                state.retired = []
            }
            return state.retired + (state.current.map { [$0] } ?? [])
        }
        for connection in connections { await connection.close() }
    }
}
