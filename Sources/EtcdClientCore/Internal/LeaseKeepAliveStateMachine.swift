import _EtcdWire

/// The leases a client keeps alive on one bidirectional LeaseKeepAlive stream, as a pure state machine:
/// events and the current time in, actions out, no I/O.
///
/// Each lease is renewed about every third of its TTL, counted from the last answer. The machine keeps,
/// for each lease, the local deadline by which the server will expire it if no renewal lands; when that
/// deadline passes without an answer (the server is unreachable), the lease is reported expired. An answer
/// with a TTL of zero or less means the server no longer has the lease: expired if its deadline has passed,
/// otherwise revoked (or never known to the server).
struct LeaseKeepAliveStateMachine {
    typealias Instant = ContinuousClock.Instant

    /// One kept-alive lease (one ``EtcdClient/keepAlive(_:_:)`` scope).
    struct Registration {
        /// The lease.
        let lease: EtcdLeaseID
        /// The TTL the server last reported.
        var remainingTTL: Duration?
        /// When the server will expire the lease without a renewal, as far as the client knows.
        var deadline: Instant?
        /// When to send the next renewal.
        var nextRenewal: Instant
        /// When the last renewal went out, while its answer is awaited.
        var awaitingSince: Instant?
    }

    /// The stream's phase.
    enum StreamPhase: Equatable {
        /// No stream, and none being opened.
        case idle
        /// A stream is being opened.
        case opening
        /// The stream is open.
        case open
    }

    /// What the caller must do.
    enum Action: Equatable {
        /// Send a keep-alive request for this lease on the open stream.
        case send(EtcdLeaseID)
        /// Open a stream.
        case openStream
        /// Close the stream: no lease is left.
        case closeStream
        /// A renewal landed: hand the heartbeat to the registration's consumer.
        case heartbeat(registration: Int64, EtcdLeaseHeartbeat)
        /// The lease is gone: end the registration with this error; it is already forgotten here.
        case fail(registration: Int64, EtcdError)
    }

    /// How long to wait for an answer before sending the renewal again.
    let resendAfter: Duration
    private(set) var registrations: [Int64: Registration] = [:]
    private(set) var phase = StreamPhase.idle
    private var nextID: Int64 = 1

    init(resendAfter: Duration = .seconds(1)) {
        self.resendAfter = resendAfter
    }

    /// Starts keeping `lease` alive; the first renewal goes out at once.
    mutating func add(_ lease: EtcdLeaseID, now: Instant) -> (id: Int64, actions: [Action]) {
        let id = nextID
        nextID += 1
        var registration = Registration(lease: lease, nextRenewal: now)
        var actions: [Action] = []
        switch phase {
        case .open:
            registration.awaitingSince = now
            actions = [.send(lease)]
        case .opening:
            break
        case .idle:
            phase = .opening
            actions = [.openStream]
        }
        registrations[id] = registration
        return (id, actions)
    }

    /// Stops keeping a registration's lease alive (it is not revoked).
    mutating func remove(_ id: Int64) -> [Action] {
        guard registrations.removeValue(forKey: id) != nil else { return [] }
        return registrations.isEmpty && phase == .open ? [.closeStream] : []
    }

    /// A new stream is open: every lease is renewed at once.
    mutating func streamOpened(now: Instant) -> [Action] {
        phase = .open
        if registrations.isEmpty { return [.closeStream] }
        var actions: [Action] = []
        var sent: Set<EtcdLeaseID> = []
        for id in registrations.keys.sorted() {
            registrations[id]?.awaitingSince = now
            guard let lease = registrations[id]?.lease, sent.insert(lease).inserted else { continue }
            actions.append(.send(lease))
        }
        return actions
    }

    /// The stream ended or could not be opened. Returns whether a new one must be opened.
    mutating func streamFailed() -> Bool {
        for id in registrations.keys { registrations[id]?.awaitingSince = nil }
        phase = registrations.isEmpty ? .idle : .opening
        return !registrations.isEmpty
    }

    /// Every registration ends with `error` (the client closed).
    mutating func failAll(_ error: EtcdError) -> [Action] {
        let actions = registrations.keys.sorted().map { Action.fail(registration: $0, error) }
        registrations = [:]
        phase = .idle
        return actions
    }

    /// An answer arrived for `lease`.
    mutating func received(_ response: EtcdserverPB.LeaseKeepAliveResponse, now: Instant) -> [Action] {
        let lease = EtcdLeaseID(rawValue: response.id)
        var actions: [Action] = []
        for id in registrations.keys.sorted() {
            guard var registration = registrations[id], registration.lease == lease else { continue }
            if response.ttl <= 0 {
                registrations[id] = nil
                actions.append(.fail(registration: id, Self.goneError(registration, lease: lease, now: now)))
                continue
            }
            let ttl = Duration.seconds(response.ttl)
            registration.remainingTTL = ttl
            registration.deadline = now + ttl
            registration.nextRenewal = now + ttl / 3
            registration.awaitingSince = nil
            registrations[id] = registration
            let heartbeat = EtcdLeaseHeartbeat(lease: lease, ttl: ttl, header: EtcdResponseHeader(response.header))
            actions.append(.heartbeat(registration: id, heartbeat))
        }
        if registrations.isEmpty && phase == .open { actions.append(.closeStream) }
        return actions
    }

    /// Time passed: sends the renewals that are due and ends the leases whose deadline passed unanswered.
    ///
    /// - Returns: the actions, and when to call again at the latest.
    mutating func tick(now: Instant) -> (actions: [Action], next: Instant?) {
        var actions: [Action] = []
        var sent: Set<EtcdLeaseID> = []
        var next: Instant?
        for id in registrations.keys.sorted() {
            guard var registration = registrations[id] else { continue }
            if let deadline = registration.deadline, deadline <= now {
                registrations[id] = nil
                let error = EtcdError(
                    .leaseExpired,
                    message: "lease \(registration.lease) expired: no renewal reached the server within its TTL"
                )
                actions.append(.fail(registration: id, error))
                continue
            }
            let resendDue = registration.awaitingSince.map { $0 + resendAfter <= now } ?? true
            if phase == .open && registration.nextRenewal <= now && resendDue {
                registration.awaitingSince = now
                if sent.insert(registration.lease).inserted { actions.append(.send(registration.lease)) }
            }
            registrations[id] = registration
            let due = registration.awaitingSince.map { $0 + resendAfter } ?? registration.nextRenewal
            next = [next, due, registration.deadline].compactMap { $0 }.min()
        }
        if registrations.isEmpty && phase == .open { actions.append(.closeStream) }
        return (actions, next)
    }

    private static func goneError(_ registration: Registration, lease: EtcdLeaseID, now: Instant) -> EtcdError {
        guard let deadline = registration.deadline else {
            return EtcdError(.leaseNotFound, message: "lease \(lease) does not exist")
        }
        if deadline <= now {
            return EtcdError(.leaseExpired, message: "lease \(lease) expired")
        }
        return EtcdError(.leaseRevoked, message: "lease \(lease) was revoked")
    }
}
