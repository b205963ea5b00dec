/// The time and liveness rules of one HTTP/2 connection, as a pure state machine: events and the monotonic time
/// (nanoseconds) in, actions out, no I/O. ``HTTP2IOLoop`` feeds it and carries its actions out.
///
/// - **Held calls.** Until the server's SETTINGS frame arrives, calls are held rather than started, so that a
///   connection the server drops or garbles before that certainly carried no request. SETTINGS must arrive within
///   the connect timeout, counted from the start of connecting.
/// - **Deadlines.** A call whose deadline passes is expired. When the connection has received nothing since the
///   call's request went out, the expiry says so (`silent`): the connection stops taking calls (the next call
///   goes elsewhere) and a PING checks whether the server is there at all.
/// - **Keepalive.** While calls are open and nothing has arrived for the keepalive interval, a PING is sent; no
///   acknowledgement within the keepalive timeout fails the connection.
/// - **Silence probe.** A unary call that has heard nothing since its request went out, on a connection that has
///   received nothing since either, for its probe delay (a quarter of its timeout, from 250 ms to 2 s; 2 s without
///   a timeout) sends a PING whether keepalive is on or not; no acknowledgement within the probe timeout (the probe
///   delay, from 500 ms up to the keepalive timeout, or 500 ms when that is shorter) fails the connection, so that a read moves to another member
///   well within its deadline. Probes are at most one per ``Settings/minimumPingInterval`` (etcd's default
///   `--grpc-keepalive-min-time`), so that the server never counts them as abuse.
/// - **What was sent.** A connection that breaks before the server's SETTINGS certainly carried no request.
struct HTTP2ConnectionPolicy {
    /// The timings, in nanoseconds.
    struct Settings: Equatable {
        /// How long connecting and the server's SETTINGS may take together.
        var connectTimeout: Int64
        /// The keepalive interval, or `nil` when keepalive is off.
        var keepaliveInterval: Int64?
        /// How long a keepalive PING may go unacknowledged.
        var keepaliveTimeout: Int64
        /// The least time between two probe PINGs.
        var minimumPingInterval: Int64 = 5_000_000_000

        /// The settings of a connection configuration.
        init(_ configuration: HTTP2ConnectionConfiguration) {
            connectTimeout = configuration.connectTimeout.nanoseconds
            keepaliveInterval = configuration.keepaliveInterval?.nanoseconds
            keepaliveTimeout = configuration.keepaliveTimeout.nanoseconds
        }

        /// Settings given directly, for tests.
        init(connectTimeout: Int64, keepaliveInterval: Int64?, keepaliveTimeout: Int64) {
            self.connectTimeout = connectTimeout
            self.keepaliveInterval = keepaliveInterval
            self.keepaliveTimeout = keepaliveTimeout
        }
    }

    /// What a call is, for the rules that differ.
    enum CallKind: Equatable {
        /// One request, one response: silence after its request is suspicious.
        case unary
        /// A stream: long silences are normal (a quiet watch).
        case stream
    }

    /// What the I/O loop must do.
    enum Action: Equatable {
        /// Send a PING.
        case sendPing
        /// The call's deadline passed: end it. `held`: it never started, so nothing was sent. `silent`: the
        /// connection received nothing since its request went out.
        case expire(callID: UInt64, held: Bool, silent: Bool)
        /// Take no new calls: the server has been silent since a request whose deadline passed.
        case stopTakingCalls(detail: String)
        /// End the connection and every call on it.
        case fail(GRPCConnectionError.Reason, detail: String, requestNotSent: Bool)
    }

    private struct Timer {
        var kind: CallKind
        var deadline: Int64
        /// Whether it waits for the server's SETTINGS.
        var held: Bool
        /// When its request went out, once it has.
        var sentAt: Int64?
        /// How long it may hear nothing before a probe.
        var probeDelay: Int64
    }

    private enum Ping: Equatable {
        case keepalive
        case probe
    }

    let settings: Settings
    /// Whether the server's SETTINGS frame has arrived.
    private(set) var serverSpoke = false
    /// Whether a silent deadline stopped new calls.
    private(set) var stoppedTakingCalls = false
    private var settingsDeadline = Int64.max
    private var lastReadTime: Int64 = 0
    /// When the PING in flight must be acknowledged by, and why it was sent.
    private var pingDeadline: (at: Int64, kind: Ping)?
    private var lastPingSentAt = Int64.min / 2
    private var timers: [UInt64: Timer] = [:]
    /// No rule can come due before this; ``tick(now:)`` does nothing until then.
    private var nextCheck = Int64.max

    init(settings: Settings) {
        self.settings = settings
    }

    // MARK: - Events

    /// Connecting starts: the server's SETTINGS must arrive within the connect timeout.
    mutating func connecting(now: Int64) {
        settingsDeadline = now.addingReportingOverflow(settings.connectTimeout).partialValue
        lastReadTime = now
        nextCheck = min(nextCheck, settingsDeadline)
    }

    /// The server's SETTINGS arrived: held calls may start.
    mutating func serverSettingsReceived() {
        serverSpoke = true
    }

    /// Whether new calls are held until the server speaks.
    var holdsCalls: Bool { !serverSpoke }

    /// Bytes arrived from the server.
    mutating func received(now: Int64) {
        lastReadTime = now
    }

    /// The server acknowledged our PING.
    mutating func pingAcknowledged() {
        pingDeadline = nil
    }

    /// A call was queued: held, or started at once.
    mutating func callQueued(_ id: UInt64, kind: CallKind, deadline: Int64, timeout: Int64?, held: Bool) {
        let delay = Self.probeDelay(timeout: timeout)
        timers[id] = Timer(kind: kind, deadline: deadline, held: held, sentAt: nil, probeDelay: delay)
        nextCheck = min(nextCheck, deadline)
        if let interval = settings.keepaliveInterval { nextCheck = min(nextCheck, lastReadTime + interval) }
    }

    /// A held call started.
    mutating func callStarted(_ id: UInt64) {
        timers[id]?.held = false
    }

    /// A call's request HEADERS went out on the socket.
    mutating func requestSent(_ id: UInt64, now: Int64) {
        guard let timer = timers[id], timer.sentAt == nil else { return }
        timers[id]?.sentAt = now
        if timer.kind == .unary { nextCheck = min(nextCheck, now + timer.probeDelay) }
    }

    /// A call ended, for whatever reason.
    mutating func callEnded(_ id: UInt64) {
        timers[id] = nil
    }

    // MARK: - Time

    /// Time passed: what is due now.
    mutating func tick(now: Int64) -> [Action] {
        guard now >= nextCheck else { return [] }
        var actions: [Action] = []
        var next = Int64.max
        if !serverSpoke {
            if now >= settingsDeadline {
                return [
                    .fail(
                        .connectFailed,
                        detail: "the server sent nothing within the connect timeout",
                        requestNotSent: true
                    )
                ]
            }
            next = settingsDeadline
        }
        var silentExpiry = false
        var probeDue = false
        /// The shortest probe delay of the calls that ask for a probe now: the probe's timeout.
        var probeDelay = Self.longestProbe
        for (id, timer) in timers {
            if timer.deadline <= now {
                let silent = !timer.held && timer.sentAt.map { lastReadTime <= $0 } == true
                if silent {
                    silentExpiry = true
                    probeDelay = min(probeDelay, timer.probeDelay)
                }
                actions.append(.expire(callID: id, held: timer.held, silent: silent))
                continue
            }
            next = min(next, timer.deadline)
            guard timer.kind == .unary, let sentAt = timer.sentAt else { continue }
            let probeAt = max(sentAt, lastReadTime) + timer.probeDelay
            if probeAt <= now {
                probeDue = true
                probeDelay = min(probeDelay, timer.probeDelay)
            } else {
                next = min(next, probeAt)
            }
        }
        for case .expire(let id, _, _) in actions { timers[id] = nil }
        if silentExpiry && !stoppedTakingCalls {
            stoppedTakingCalls = true
            actions.append(.stopTakingCalls(detail: "the server sent nothing after a request until its deadline"))
        }
        if let ping = pingDeadline {
            if now >= ping.at {
                let detail =
                    ping.kind == .keepalive
                    ? "no PING acknowledgement"
                    : "no PING acknowledgement after a request went unanswered (the server or the path to it is silent)"
                actions.append(.fail(.keepaliveTimeout, detail: detail, requestNotSent: false))
                return actions
            }
        } else if serverSpoke {
            if let interval = settings.keepaliveInterval, !timers.isEmpty {
                if now - lastReadTime >= interval {
                    actions.append(sendPing(.keepalive, timeout: settings.keepaliveTimeout, now: now))
                } else {
                    next = min(next, lastReadTime + interval)
                }
            }
            if pingDeadline == nil && (probeDue || silentExpiry) {
                let allowedAt = lastPingSentAt + settings.minimumPingInterval
                if allowedAt <= now {
                    let timeout = min(max(probeDelay, 500_000_000), max(settings.keepaliveTimeout, 500_000_000))
                    actions.append(sendPing(.probe, timeout: timeout, now: now))
                } else if probeDue {
                    next = min(next, allowedAt)
                }
            }
        }
        if let ping = pingDeadline { next = min(next, ping.at) }
        nextCheck = next
        return actions
    }

    /// When ``tick(now:)`` next has something to do, or `nil` for never (until another event).
    var nextWake: Int64? { nextCheck == .max ? nil : nextCheck }

    // MARK: - Failures

    /// The error for a read or write that failed, or for the server closing the connection.
    ///
    /// Before the server's SETTINGS no request was sent (calls are held). Over TLS such a failure counts as the
    /// server refusing the handshake's outcome (such as the client certificate), whether its alert arrived or the
    /// reset that follows it came first. After SETTINGS, whatever broke is a lost connection.
    ///
    /// - Parameters:
    ///   - detail: what the socket or TLS reported; `nil` when the server closed the connection.
    ///   - isTLSFailure: whether `detail` is a TLS error.
    ///   - usesTLS: whether the connection uses TLS.
    func lostConnection(endpoint: String, detail: String?, isTLSFailure: Bool, usesTLS: Bool) -> GRPCConnectionError {
        if serverSpoke {
            return GRPCConnectionError(
                endpoint: endpoint,
                reason: .connectionLost,
                detail: detail.map { isTLSFailure ? "TLS: \($0)" : $0 } ?? "the server closed the connection",
                requestNotSent: false
            )
        }
        let silentClose =
            usesTLS
            ? "the server closed the connection right after the TLS handshake (did it refuse the client certificate?)"
            : "the server closed the connection without a byte (does it expect TLS?)"
        let text: String
        if let detail {
            text = isTLSFailure ? detail : "\(silentClose): \(detail)"
        } else {
            text = silentClose
        }
        return GRPCConnectionError(
            endpoint: endpoint,
            reason: usesTLS ? .tlsFailed : .connectionLost,
            detail: text,
            requestNotSent: true
        )
    }

    // MARK: - Internals

    private mutating func sendPing(_ kind: Ping, timeout: Int64, now: Int64) -> Action {
        pingDeadline = (now.addingReportingOverflow(timeout).partialValue, kind)
        lastPingSentAt = now
        return .sendPing
    }

    private static let longestProbe: Int64 = 2_000_000_000

    /// A quarter of the timeout, from 250 ms to 2 s; 2 s without a timeout.
    static func probeDelay(timeout: Int64?) -> Int64 {
        guard let timeout else { return longestProbe }
        return min(max(timeout / 4, 250_000_000), longestProbe)
    }
}
