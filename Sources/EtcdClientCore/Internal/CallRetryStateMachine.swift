/// The one retry decision of the client, for unary calls, the opening of server streams, single lease renewals
/// and authentication: a pure state machine. Each failed attempt goes in, with the time; out comes what to do
/// next: try again (on the next endpoint, after a pause), authenticate again, or give up with which error.
///
/// The rules, for a call of kind ``EtcdRetryPolicy`` (a read may be sent again whatever happened; a write only
/// when it certainly never reached a server):
///
/// | failure | read | write |
/// |---|---|---|
/// | no connection, or the request certainly not sent | again, until the deadline | again, until the deadline |
/// | the connection broke after the request went out | again | ``EtcdError/Code/outcomeUnknown`` |
/// | the attempt's own time ran out (see ``attemptTimeout(now:)``) | again, on the next member | (writes get the whole deadline) |
/// | the member cannot serve: no leader, not leader, leader changed, stopping, unhealthy, its own timeout | again, on the next member | the error, and the next call goes to the next member |
/// | the token was refused (invalid, expired, auth store changed) | authenticate again, at most ``reauthenticationLimit`` times | the same |
/// | `too many requests` (refused before acting) | again on the same member after a growing pause, at most ``overloadRetryLimit`` times | the same |
/// | an answer from an older revision than already seen | again on the next member, once per endpoint, then ``EtcdError/Code/staleRead`` | - |
/// | anything else | the error | the error |
///
/// Retrying ends at the call's deadline; a call without one retries for ``boundWithoutDeadline`` at most. A peer
/// that answers with something other than HTTP/2, or fails the TLS handshake, is tried twice per endpoint at most:
/// that does not heal by waiting, where a refused or lost connection (a member restarting) does. The pacing between
/// connection attempts is the channel's (a capped, jittered backoff once every endpoint failed in a row).
///
/// A call pinned to one member (maintenance at a named endpoint) has no other member to move to: what would send
/// it to the next member ends it with the error instead; authenticating again and `too many requests` still apply.
struct CallRetryStateMachine {
    typealias Instant = ContinuousClock.Instant

    /// Why an attempt failed.
    enum Failure: Equatable {
        /// No connection could be had, or it broke; ``EtcdError/requestNotSent`` says whether the request
        /// certainly never reached a server.
        case connection(EtcdError)
        /// The peer broke the HTTP/2 protocol or failed the TLS handshake: a misconfiguration, more likely than a
        /// passing fault.
        case brokenPeer(EtcdError)
        /// The attempt's time ran out: its local deadline passed, or the server reported its propagated deadline.
        case timedOut(EtcdError)
        /// The server answered with an error (``EtcdError/requestNotSent`` set when it came before the request
        /// left, as from authentication).
        case status(EtcdError)
        /// A read was answered from an older revision than this client has already seen; the reason.
        case stale(String)
        /// No attempt can be made before the deadline (waiting to reconnect would pass it); the error says why
        /// the last connection failed, or that time ran out.
        case outOfTime(EtcdError)

        /// The error code the failure stands for (`staleRead` for a stale answer), for statistics.
        var code: EtcdError.Code {
            switch self {
            case .connection(let error), .brokenPeer(let error), .timedOut(let error), .status(let error),
                .outOfTime(let error):
                error.code
            case .stale:
                .staleRead
            }
        }
    }

    /// What to do next.
    enum Next: Equatable {
        /// Send the call again, after `delay`.
        case retry(after: Duration)
        /// Forget the token, authenticate again, and send the call again.
        case reauthenticate
        /// Give up with this error.
        case fail(EtcdError)
    }

    /// The decision for one failure.
    struct Decision: Equatable {
        /// What to do next.
        var next: Next
        /// When set, the member cannot serve: the connection is left for the next endpoint, for this reason.
        var abandon: String?
    }

    /// How many times a call refused as ``EtcdError/Code/tooManyRequests`` is sent again: with pauses from 25 ms
    /// doubling to 2 s, about five seconds in all.
    static let overloadRetryLimit = 8
    /// How many times a call authenticates again because its token was refused.
    static let reauthenticationLimit = 4
    /// How long a call without a deadline goes on retrying: 30 seconds.
    static let boundWithoutDeadline = Duration.seconds(30)
    /// How much of a read's time is kept for a second attempt on another member: half, at most 2 seconds.
    static let retryReserve = Duration.seconds(2)
    /// A server's "context deadline exceeded" this close to the attempt's deadline is that deadline passing.
    static let deadlineSlack = Duration.milliseconds(20)

    private let kind: EtcdRetryPolicy
    private let endpointCount: Int
    /// Whether the client has credentials: a server asking for a user name then asks for a new token.
    private let authenticates: Bool
    /// When the call must end.
    let deadline: Instant?
    /// When retrying stops: the deadline, or the bound for a call without one.
    private let retryEnd: Instant
    private var lastFailure: EtcdError?
    /// The last answer of a member that could not serve the call (no leader, its own timeout, ...): a truer
    /// account of why the call failed than a connection that could not be made again in time.
    private var lastRefusal: EtcdError?
    private var rejections = 0
    private var reauthentications = 0
    private var overloadRetries = 0
    private var overloadBackoff = ReconnectBackoff()
    private var brokenPeers = 0
    /// Whether the call may go to one member only.
    private let pinned: Bool
    /// Whether an attempt keeps part of a read's time for another member (not for a stream, whose first answer
    /// ends retrying: its timeout bounds the whole stream).
    private let reservesRetryTime: Bool

    /// A call of `kind` starting `now`, with `timeout` (`nil`: none), on a client of `endpointCount` endpoints, or
    /// `pinned` to one member.
    init(
        kind: EtcdRetryPolicy,
        timeout: Duration?,
        endpointCount: Int,
        authenticates: Bool,
        pinned: Bool = false,
        reservesRetryTime: Bool = true,
        now: Instant
    ) {
        self.kind = kind
        self.pinned = pinned
        self.reservesRetryTime = reservesRetryTime
        self.endpointCount = pinned ? 1 : max(1, endpointCount)
        self.authenticates = authenticates
        self.deadline = timeout.map { now + $0 }
        self.retryEnd = now + (timeout ?? Self.boundWithoutDeadline)
    }

    /// The timeout of the next attempt, or `nil` for none.
    ///
    /// A read on a client of several endpoints keeps part of its time (half, at most ``retryReserve``) for one
    /// more attempt elsewhere, so that a member that takes the request and never answers (cut off from its peers,
    /// or silent) costs only part of the deadline. Other calls get all that is left.
    func attemptTimeout(now: Instant) -> Duration? {
        guard let deadline else { return nil }
        let remaining = deadline - now
        guard reservesRetryTime, kind == .idempotent, endpointCount > 1, remaining >= .milliseconds(200) else {
            return remaining
        }
        return remaining - min(remaining / 2, Self.retryReserve)
    }

    /// Whether an attempt with `timeout`, failed now, ran out of the call's whole time rather than its own.
    private func isPastDeadline(_ now: Instant) -> Bool {
        guard let deadline else { return false }
        return deadline - now <= Self.deadlineSlack
    }

    /// An attempt failed: what next.
    mutating func failed(_ failure: Failure, now: Instant) -> Decision {
        switch failure {
        case .connection(let error):
            return connectionFailed(error, now: now)
        case .brokenPeer(let error):
            brokenPeers += 1
            if brokenPeers >= 2 * endpointCount { return Decision(next: .fail(error)) }
            return connectionFailed(error, now: now)
        case .timedOut(let error):
            var error = error
            error.code = .deadlineExceeded
            if isPastDeadline(now) || kind != .idempotent {
                return Decision(next: .fail(finalError(or: error)))
            }
            return retry(after: error, now: now, abandon: "no answer within the attempt's time")
        case .status(let error):
            return statusFailed(error, now: now)
        case .stale(let reason):
            rejections += 1
            let error = EtcdError(.staleRead, message: "no endpoint has caught up: \(reason)", requestNotSent: true)
            if rejections >= endpointCount { return Decision(next: .fail(error)) }
            // A stale answer is not a failure of the member: the deadline alone bounds these.
            if now >= retryEnd { return Decision(next: .fail(finalError(or: error))) }
            return Decision(next: .retry(after: .zero), abandon: reason)
        case .outOfTime(let error):
            return Decision(next: .fail(finalError(or: error)))
        }
    }

    private mutating func connectionFailed(_ error: EtcdError, now: Instant) -> Decision {
        if error.code == .clientClosed { return Decision(next: .fail(error)) }
        if error.requestNotSent || kind == .idempotent {
            return retry(after: error, now: now, abandon: nil)
        }
        var unknown = error
        unknown.code = .outcomeUnknown
        unknown.message = "the request may or may not have been applied: \(error.message)"
        return Decision(next: .fail(unknown))
    }

    private mutating func statusFailed(_ error: EtcdError, now: Instant) -> Decision {
        if error.code.asksForNewToken || (authenticates && error.code == .userEmpty) {
            guard reauthentications < Self.reauthenticationLimit else {
                var final = error
                final.message += " (still refused after authenticating again \(reauthentications) times)"
                return Decision(next: .fail(final))
            }
            reauthentications += 1
            return Decision(next: .reauthenticate)
        }
        if error.code.refusedBeforeActing {
            guard overloadRetries < Self.overloadRetryLimit else { return Decision(next: .fail(error)) }
            let delay = overloadBackoff.nextDelay()
            if let deadline, now + delay >= deadline { return Decision(next: .fail(error)) }
            overloadRetries += 1
            return Decision(next: .retry(after: delay))
        }
        guard error.code.memberCannotServe else { return Decision(next: .fail(error)) }
        lastRefusal = error
        let reason = "\(error.code): \(error.message)"
        if error.requestNotSent || kind == .idempotent {
            return retry(after: error, now: now, abandon: reason)
        }
        return Decision(next: .fail(error), abandon: reason)
    }

    /// Another attempt, unless the time for retrying is over.
    private mutating func retry(after error: EtcdError, now: Instant, abandon: String?) -> Decision {
        if pinned || now >= retryEnd || isPastDeadline(now) {
            return Decision(next: .fail(finalError(or: error)), abandon: abandon)
        }
        lastFailure = error
        return Decision(next: .retry(after: .zero), abandon: abandon)
    }

    /// The error to give up with: what failed (the last failure when this one only says time ran out; a member's
    /// refusal, such as `noLeader`, when later attempts only failed to connect or ran out of time), or
    /// ``EtcdError/Code/staleRead`` when some member answered, but from the past.
    private func finalError(or error: EtcdError) -> EtcdError {
        var failure = error.code == .deadlineExceeded && error.requestNotSent ? (lastFailure ?? error) : error
        if var refusal = lastRefusal, failure.code == .connectionFailed || failure.code == .deadlineExceeded {
            refusal.message += " (then: \(failure.message))"
            refusal.requestNotSent = refusal.requestNotSent && failure.requestNotSent
            failure = refusal
        }
        guard rejections > 0 else { return failure }
        return EtcdError(
            .staleRead,
            message: "no endpoint that answered has caught up; the last failure: \(failure)",
            requestNotSent: true
        )
    }
}

extension EtcdError.Code {
    /// Whether the member cannot serve the request now, where another member may: it has no leader, is not the
    /// leader, lost the leader during the request, is stopping or unhealthy, or timed the request out itself.
    var memberCannotServe: Bool {
        [.noLeader, .notLeader, .leaderChanged, .serverStopped, .serverTimeout, .unhealthy, .unavailable]
            .contains(self)
    }
}
