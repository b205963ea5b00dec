import _EtcdTransport
import _EtcdWire

extension EtcdClient {
    /// What an attempt made of the answer it got.
    enum AttemptResult<Value> {
        /// The answer is good.
        case accepted(Value)
        /// The answer cannot be used (a serializable read from an older revision than already seen): why.
        case rejected(String)
    }

    /// Thrown from an attempt for an error that reaches the caller as it is, never retried: a stream that failed
    /// after part of its answer was handed on.
    struct FinalError: Error {
        /// The error.
        let error: any Error
    }

    /// An error of `Authenticate`, made before the call's own request went out.
    private struct AuthenticationFailure: Error {
        let error: any Error
    }

    /// Makes one unary call, and sends it again as ``CallRetryStateMachine`` decides, within the call's deadline.
    ///
    /// - Parameter rejection: for a read, says why a response cannot be used (its member is behind what this
    ///   client has seen), or `nil` to accept it. A rejected response is asked again of the next endpoint, once
    ///   per endpoint; when every endpoint's answer was rejected the call throws ``EtcdError/Code/staleRead``.
    ///
    /// - Parameter endpoint: the member the call must go to, or `nil` for the client's current one (with failover).
    func call<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        _ request: Method.Request,
        options: CallOptions? = nil,
        retry: EtcdRetryPolicy? = nil,
        at endpoint: EtcdEndpoint? = nil,
        rejection: ((Method.Response) -> String?)? = nil
    ) async throws -> Method.Response {
        try RequestValidation.check(request)
        // Framed once, in one exactly sized array, and sent as it is by every attempt.
        let framed = request.grpcFramedBytes()
        try checkRequestSize(framed.count - GRPCMessageDeframer.prefixSize, method: Method.path)
        return try await withRetries(
            path: Method.path,
            kind: retry ?? EtcdRetryPolicy.forMethod(path: Method.path),
            options: options ?? configuration.defaultCallOptions,
            at: endpoint
        ) { connection, head in
            let response: Method.Response
            do {
                response = try Method.Response(serializedBytes: try await connection.unary(head, framedRequest: framed))
            } catch let error as ProtobufDecodingError {
                throw EtcdError(decoding: error, method: Method.path)
            }
            return rejection?(response).map { .rejected($0) } ?? .accepted(response)
        }
    }

    /// Makes a server-streaming call and hands each decoded response to `consume`, in order.
    ///
    /// Until the first response arrives the call is retried like a read; after that, a failure ends it. Leaving
    /// early (a throw from `consume`, or cancellation) resets the stream.
    /// The call's timeout bounds the whole stream, as it bounds every other call.
    func serverStreamingCall<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        _ request: Method.Request,
        options: CallOptions? = nil,
        at endpoint: EtcdEndpoint? = nil,
        consume: (Method.Response) async throws -> Void
    ) async throws {
        let bytes = request.serializedBytes()
        try checkRequestSize(bytes.count, method: Method.path)
        let options = options ?? configuration.defaultCallOptions
        try await withRetries(path: Method.path, kind: .idempotent, options: options, at: endpoint, streaming: true) {
            connection,
            head -> AttemptResult<Void> in
            let stream = connection.makeStream(head)
            var answered = false
            do {
                try stream.send(bytes)
                stream.finishSending()
                for try await message in stream.responses {
                    answered = true
                    let response: Method.Response
                    do {
                        response = try Method.Response(serializedBytes: message)
                    } catch let error as ProtobufDecodingError {
                        throw EtcdError(decoding: error, method: Method.path)
                    }
                    try await consume(response)
                }
                // A cancelled consumer ends the responses early: that is not the end of the answer.
                try Task.checkCancellation()
                return .accepted(())
            } catch {
                stream.cancel()
                throw answered ? FinalError(error: error) : error
            }
        }
    }

    /// Runs attempts of a call of `path` until one is accepted or ``CallRetryStateMachine`` gives up: each attempt
    /// gets the connection to use and the request head (metadata with the auth token, the attempt's timeout).
    ///
    /// With a statistics sink, reports how the call ended, each retry and each stale answer refused.
    ///
    /// - Parameters:
    ///   - endpoint: the member every attempt must go to (see ``EtcdChannel/connection(to:)``), or `nil` for the
    ///     client's current connection, with failover.
    ///   - streaming: whether the call is a stream, whose timeout bounds the whole stream (no time is kept back
    ///     for a retry).
    func withRetries<Value>(
        path: String,
        kind: EtcdRetryPolicy,
        options: CallOptions,
        at endpoint: EtcdEndpoint? = nil,
        streaming: Bool = false,
        _ attempt: (HTTP2Connection, GRPCRequestHead) async throws -> AttemptResult<Value>
    ) async throws -> Value {
        let route = AttemptRoute(endpoint: endpoint, streaming: streaming)
        guard let statistics = channel.statisticsSink else {
            return try await attemptUntilDecided(path: path, kind: kind, options: options, route: route, attempt)
        }
        let start = ContinuousClock.now
        do {
            let value = try await attemptUntilDecided(path: path, kind: kind, options: options, route: route, attempt)
            statistics(.callFinished(method: path, duration: .now - start, failure: nil))
            return value
        } catch {
            let code = (error as? EtcdError)?.code ?? (error is CancellationError ? .cancelled : .unknown)
            statistics(.callFinished(method: path, duration: .now - start, failure: code))
            throw error
        }
    }

    /// Where a call's attempts go: one member or the client's current one, and whether the call is a stream.
    private struct AttemptRoute {
        let endpoint: EtcdEndpoint?
        let streaming: Bool
    }

    /// The attempts of ``withRetries(path:kind:options:at:streaming:_:)``.
    private func attemptUntilDecided<Value>(
        path: String,
        kind: EtcdRetryPolicy,
        options: CallOptions,
        route: AttemptRoute,
        _ attempt: (HTTP2Connection, GRPCRequestHead) async throws -> AttemptResult<Value>
    ) async throws -> Value {
        let endpoint = route.endpoint
        let clock = ContinuousClock()
        var retrier = CallRetryStateMachine(
            kind: kind,
            timeout: options.timeout,
            endpointCount: channel.endpointCount,
            authenticates: channel.authenticator != nil,
            pinned: endpoint != nil,
            reservesRetryTime: !route.streaming,
            now: clock.now
        )
        let metadata = options.requestMetadata
        // A pinned call's own connection, made at its first attempt and closed when the call ends.
        var pinnedConnection: HTTP2Connection?
        defer { if let pinnedConnection { channel.release(pinnedConnection) } }
        while true {
            try Task.checkCancellation()
            let timeout = retrier.attemptTimeout(now: clock.now)
            let attemptDeadline = timeout.map { clock.now + $0 }
            var connection: HTTP2Connection?
            var auth: [(name: String, value: String)] = []
            let failure: CallRetryStateMachine.Failure
            do {
                let current: HTTP2Connection
                if let endpoint {
                    if let pinnedConnection, pinnedConnection.isAcceptingCalls {
                        current = pinnedConnection
                    } else {
                        if let stale = pinnedConnection { channel.release(stale) }
                        let (connection, owned) = try channel.connection(to: endpoint)
                        pinnedConnection = owned ? connection : nil
                        current = connection
                    }
                } else {
                    current = try await channel.connection(until: retrier.deadline)
                }
                connection = current
                do {
                    auth = try await channel.authMetadata(on: current, timeout: timeout)
                } catch let error where !(error is CancellationError) {
                    throw AuthenticationFailure(error: error)
                }
                let result = try await attempt(
                    current,
                    GRPCRequestHead(path: path, metadata: metadata + auth, timeout: timeout)
                )
                channel.succeeded(on: current)
                switch result {
                case .accepted(let value):
                    return value
                case .rejected(let reason):
                    failure = .stale(reason)
                    channel.statisticsSink?(.staleReadRefused(method: path))
                    channel.logger.log(
                        .notice,
                        "a member answered from an older revision than already seen; asking the next one",
                        ["method": path, "endpoint": current.configuration.authority, "reason": reason]
                    )
                }
            } catch let final as FinalError {
                throw Self.publicError(for: final.error)
            } catch let error as CancellationError {
                throw error
            } catch {
                failure = Self.attemptFailure(error, attemptDeadline: attemptDeadline, now: clock.now)
            }
            let decision = retrier.failed(failure, now: clock.now)
            if let reason = decision.abandon, let connection { channel.abandon(connection, reason: reason) }
            switch decision.next {
            case .retry(let delay):
                channel.statisticsSink?(.callRetried(method: path, reason: failure.code))
                channel.logger.log(
                    .debug,
                    "retrying a call",
                    ["method": path, "reason": "\(failure)", "delay": "\(delay)"]
                )
                if delay > .zero { try await Task.sleep(for: delay) }
            case .reauthenticate:
                channel.authenticator?.invalidate(auth)
            case .fail(let error):
                if error.code == .outcomeUnknown {
                    channel.logger.log(
                        .warning,
                        "a write failed after it may have reached the server; not retried",
                        ["method": path, "endpoint": error.endpoint ?? "?"]
                    )
                }
                throw error
            }
        }
    }

    /// Refuses a request larger than ``Configuration/maxRequestBytes`` before anything is sent.
    ///
    /// - Throws: ``EtcdError/Code/requestTooLarge``.
    func checkRequestSize(_ size: Int, method: String) throws(EtcdError) {
        guard let limit = configuration.maxRequestBytes, size > limit else { return }
        throw EtcdError(
            .requestTooLarge,
            message: "\(method): the request is \(size) bytes, above the client's limit of \(limit) (maxRequestBytes)",
            requestNotSent: true
        )
    }

    /// What the retry rule makes of an error of one attempt.
    private static func attemptFailure(
        _ error: any Error,
        attemptDeadline: ContinuousClock.Instant?,
        now: ContinuousClock.Instant
    ) -> CallRetryStateMachine.Failure {
        switch error {
        case let failure as AuthenticationFailure:
            // The call's own request never went out: whatever failed, sending it again is safe.
            switch attemptFailure(failure.error, attemptDeadline: attemptDeadline, now: now) {
            case .connection(var error):
                error.requestNotSent = true
                return .connection(error)
            case .brokenPeer(var error):
                error.requestNotSent = true
                return .brokenPeer(error)
            case .status(var error):
                error.requestNotSent = true
                return .status(error)
            case let other:
                return other
            }
        case let failure as GRPCConnectionError where failure.reason == .protocolError || failure.reason == .tlsFailed:
            return .brokenPeer(EtcdError(connection: failure))
        case let failure as GRPCConnectionError:
            return .connection(EtcdError(connection: failure))
        case let noTime as EtcdChannel.NoTimeToConnect:
            return .outOfTime(
                noTime.lastFailure.map { EtcdError(connection: $0) }
                    ?? EtcdError(
                        .deadlineExceeded,
                        message: "the call's deadline comes before the next connection attempt",
                        requestNotSent: true
                    )
            )
        case let status as GRPCStatus:
            let etcdError = EtcdError(status: status)
            if status.code == .deadlineExceeded {
                return .timedOut(etcdError)
            }
            // etcd passes the deadline it was sent on as "context deadline exceeded": at the attempt's deadline it
            // is that deadline, before it the member's own timeout.
            if etcdError.code == .serverTimeout, status.message == EtcdError.contextDeadlineMessage,
                let attemptDeadline, attemptDeadline - now <= CallRetryStateMachine.deadlineSlack
            {
                return .timedOut(etcdError)
            }
            return .status(etcdError)
        case let etcdError as EtcdError:
            return etcdError.code == .clientClosed || etcdError.code == .connectionFailed
                ? .connection(etcdError) : .status(etcdError)
        case let decoding as ProtobufDecodingError:
            return .status(EtcdError(decoding: decoding, method: "a call"))
        default:
            return .status(EtcdError(.unknown, message: "\(error)"))
        }
    }

    /// The error a caller sees for an error from the layers below: ``EtcdError``, or `CancellationError`.
    static func publicError(for error: any Error) -> any Error {
        switch error {
        case let status as GRPCStatus: EtcdError(status: status)
        case let failure as GRPCConnectionError: EtcdError(connection: failure)
        case let decoding as ProtobufDecodingError: EtcdError(decoding: decoding, method: "a call")
        case let noTime as EtcdChannel.NoTimeToConnect:
            noTime.lastFailure.map { EtcdError(connection: $0) }
                ?? EtcdError(.deadlineExceeded, message: "no time left to connect", requestNotSent: true)
        default: error
        }
    }
}
