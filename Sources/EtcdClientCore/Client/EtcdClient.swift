import Synchronization
import _EtcdTransport
import _EtcdWire

/// A client of an etcd v3 cluster.
///
/// Create one per cluster and share it: it is `Sendable`, and all calls made at once share one
/// HTTP/2 connection. Close it with ``close()`` when done, or use ``withEtcdClient(configuration:_:)``,
/// which closes it when its body ends.
public final class EtcdClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration
    let channel: EtcdChannel
    let watchHub: EtcdWatchHub
    let leaseKeeper: EtcdLeaseKeepAliveHub
    /// The newest revision seen, below which serializable reads are refused.
    let revisionFloor = RevisionFloor()
    /// The periodic endpoint sync, when ``Configuration/autoSyncInterval`` is set.
    private let endpointSync = Mutex<Task<Void, Never>?>(nil)

    /// Creates a client. It connects on the first call.
    ///
    /// - Throws: ``EtcdError/Code/invalidConfiguration`` when the configuration cannot be used, such as a TLS
    ///   file that cannot be read or an `autoSyncInterval` that is not positive; the message names the field.
    public init(configuration: Configuration) throws {
        if let interval = configuration.autoSyncInterval, interval <= .zero {
            throw EtcdError(
                .invalidConfiguration,
                message: "autoSyncInterval: must be positive (nil turns endpoint sync off), got \(interval)",
                requestNotSent: true
            )
        }
        self.configuration = configuration
        self.channel = try EtcdChannel(configuration: configuration)
        self.watchHub = EtcdWatchHub(channel: channel)
        self.leaseKeeper = EtcdLeaseKeepAliveHub(channel: channel)
        if let interval = configuration.autoSyncInterval {
            let task = Self.keepEndpointsSynced(self, every: interval)
            endpointSync.withLock { $0 = task }
        }
    }

    /// Creates a client of the members at `endpoints`, in plain text with default timings.
    public convenience init(endpoints: [EtcdEndpoint]) {
        // A plain-text configuration has no files to read, so it cannot be invalid.
        try! self.init(configuration: Configuration(endpoints: endpoints))
    }

    /// Closes the client: open calls fail with ``EtcdError/Code/clientClosed``; its connections, sockets
    /// and threads are gone, and every log record has reached the log sink, when this returns. Later calls
    /// fail with ``EtcdError/Code/clientClosed``.
    public func close() async {
        let sync = endpointSync.withLock { $0.take() }
        sync?.cancel()
        await sync?.value
        watchHub.close()
        leaseKeeper.close()
        await channel.close()
        await channel.logger.finish()
    }

    /// Makes one unary call, and sends it again on the next endpoint when ``EtcdRetryPolicy`` allows, within
    /// the call's deadline.
    ///
    /// - Parameter rejection: for a read, says why a response cannot be used (its member is behind what this
    ///   client has seen), or `nil` to accept it. A rejected response is asked again of the next endpoint, once
    ///   per endpoint; when every endpoint's answer was rejected the call throws ``EtcdError/Code/staleRead``.
    func call<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        _ request: Method.Request,
        options: CallOptions? = nil,
        retry: EtcdRetryPolicy? = nil,
        rejection: ((Method.Response) -> String?)? = nil
    ) async throws -> Method.Response {
        let options = options ?? configuration.defaultCallOptions
        let policy = retry ?? EtcdRetryPolicy.forMethod(path: Method.path)
        let metadata = options.metadata.map { (name: $0.key, value: $0.value) }
        let clock = ContinuousClock()
        let deadline = options.timeout.map { clock.now + $0 }
        let bytes = request.serializedBytes()
        // Each endpoint gets two tries at most, so that a call without a deadline ends when every member is down.
        let maximumAttempts = max(2, 2 * channel.endpointCount)
        var attempts = 0
        var lastFailure: (any Error)?
        var reauthenticated = false
        var rejections = 0
        var overloadBackoff = ReconnectBackoff()
        var overloadRetries = 0
        while true {
            attempts += 1
            let remaining = deadline.map { $0 - clock.now }
            if let lastFailure, attempts > maximumAttempts || (remaining.map { $0 <= .zero } ?? false) {
                guard rejections == 0 else {
                    // Some member answered, but from the past: say so rather than only why the others failed.
                    throw EtcdError(
                        .staleRead,
                        message: "no endpoint that answered has caught up; the last failure: "
                            + "\(Self.publicError(for: lastFailure))",
                        requestNotSent: true
                    )
                }
                throw Self.publicError(for: lastFailure)
            }
            let connection: HTTP2Connection
            do {
                connection = try await channel.connection(until: deadline)
            } catch let failure as GRPCConnectionError {
                // Another caller's connection attempt failed while this call waited: one attempt of this call.
                try Task.checkCancellation()
                lastFailure = failure
                continue
            }
            var callMetadata = metadata
            do {
                callMetadata += try await channel.authMetadata(on: connection)
                let response = try await connection.unary(
                    GRPCRequestHead(path: Method.path, metadata: callMetadata, timeout: remaining),
                    request: bytes
                )
                channel.succeeded(on: connection)
                let decoded: Method.Response
                do {
                    decoded = try Method.Response(serializedBytes: response)
                } catch {
                    throw EtcdError(decoding: error, method: Method.path)
                }
                guard let reason = rejection?(decoded) else { return decoded }
                rejections += 1
                channel.logger.log(
                    .notice,
                    "a member answered from an older revision than already seen; asking the next one",
                    ["method": Method.path, "endpoint": connection.configuration.authority, "reason": reason]
                )
                if rejections >= channel.endpointCount {
                    throw EtcdError(.staleRead, message: "no endpoint has caught up: \(reason)", requestNotSent: true)
                }
                channel.abandon(connection, reason: reason)
                attempts -= 1  // a stale answer is not a failed attempt
                continue
            } catch let failure as GRPCConnectionError where failure.reason != .closed {
                if failure.requestNotSent || policy == .idempotent {
                    try Task.checkCancellation()
                    lastFailure = failure
                    channel.logger.log(
                        .debug,
                        "retrying a call after a connection failure",
                        [
                            "method": Method.path, "attempt": "\(attempts)",
                            "reason": EtcdError(connection: failure).message,
                        ]
                    )
                    continue
                }
                var error = EtcdError(connection: failure)
                error.code = .outcomeUnknown
                error.message = "the request may or may not have been applied: \(error.message)"
                channel.logger.log(
                    .warning,
                    "a write failed after it may have reached the server; not retried",
                    ["method": Method.path, "endpoint": failure.endpoint]
                )
                throw error
            } catch let status as GRPCStatus
                where EtcdError(status: status).code.asksForNewToken && !reauthenticated
            {
                // The token expired or was revoked: authenticate once more and send the call again.
                channel.authenticator?.invalidate(callMetadata)
                reauthenticated = true
                continue
            } catch let status as GRPCStatus
                where EtcdError(status: status).code.refusedBeforeActing && overloadRetries < Self.overloadRetryLimit
            {
                // The member did nothing with it (its apply loop lags its log): send it again, even a write,
                // after a growing pause that fits the deadline. It is not a failed attempt at an endpoint.
                let delay = overloadBackoff.nextDelay()
                if let deadline, clock.now + delay >= deadline { throw EtcdError(status: status) }
                overloadRetries += 1
                attempts -= 1
                channel.logger.log(
                    .debug,
                    "the member refused a call as overloaded; sending it again after a pause",
                    ["method": Method.path, "delay": "\(delay)", "reason": status.message]
                )
                try await Task.sleep(for: delay)
                continue
            } catch let status as GRPCStatus where status.code == .unavailable && policy == .idempotent {
                // This member cannot serve now (no leader, stopping): try the next one.
                channel.abandon(connection, reason: "UNAVAILABLE: \(status.message)")
                try Task.checkCancellation()
                lastFailure = status
                channel.logger.log(
                    .debug,
                    "retrying a call on the next endpoint",
                    ["method": Method.path, "attempt": "\(attempts)", "reason": status.message]
                )
                continue
            } catch {
                throw Self.publicError(for: error)
            }
        }
    }

    /// How many times a call refused as ``EtcdError/Code/tooManyRequests`` is sent again: with pauses from 25 ms
    /// doubling to 2 s, about five seconds in all.
    static let overloadRetryLimit = 8

    /// Makes a server-streaming call and hands each decoded response to `consume`, in order.
    ///
    /// Leaving early (a throw from `consume`, or cancellation) resets the stream.
    func serverStreamingCall<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        _ request: Method.Request,
        consume: (Method.Response) async throws -> Void
    ) async throws {
        let stream = try await channel.openStream(path: Method.path).stream
        do {
            try stream.send(request.serializedBytes())
            stream.finishSending()
            for try await message in stream.responses {
                let response: Method.Response
                do {
                    response = try Method.Response(serializedBytes: message)
                } catch {
                    throw EtcdError(decoding: error, method: Method.path)
                }
                try await consume(response)
            }
        } catch {
            stream.cancel()
            throw Self.publicError(for: error)
        }
    }

    /// The error a caller sees for an error from the layers below: ``EtcdError``, or `CancellationError`.
    static func publicError(for error: any Error) -> any Error {
        switch error {
        case let status as GRPCStatus: EtcdError(status: status)
        case let failure as GRPCConnectionError: EtcdError(connection: failure)
        case let decoding as ProtobufDecodingError: EtcdError(decoding: decoding, method: "a call")
        default: error
        }
    }
}

/// Runs `body` with a new client and closes the client when `body` returns or throws.
///
/// - Parameters:
///   - configuration: the endpoints and timings.
///   - body: the work to do with the client.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func withEtcdClient<Result: Sendable>(
    configuration: EtcdClient.Configuration,
    _ body: (EtcdClient) async throws -> Result
) async throws -> Result {
    let client = try EtcdClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}
