import _EtcdWire

/// The leases a client keeps alive on one bidirectional LeaseKeepAlive stream, as a pure state machine:
/// events and the current time in, actions out, no I/O.
///
/// Each lease is renewed about every third of its TTL, counted from the last answer. The machine keeps,
/// for each lease, the local deadline by which the server will expire it if no renewal lands; when that
/// deadline passes without an answer (the server is unreachable), the lease is reported expired. An answer
/// with a TTL of zero or less means the server no longer has the lease: expired if its deadline has passed,
/// otherwise revoked (or never known to the server).
///
/// The deadline runs from the start, not only from the first answer: a lease this client granted or renewed
/// starts with the deadline it had then, so a keep-alive started while its member is down ends with
/// ``EtcdError/Code/leaseExpired`` when the lease does; a lease whose TTL the client does not know must be
/// answered within ``firstAnswerTimeout`` (as the Go client's first keep-alive timeout).
struct LeaseKeepAliveStateMachine {
    typealias Instant = ContinuousClock.Instant

    /// One kept-alive lease (one ``EtcdClient/keepAlive(_:requiresLeader:isolation:_:)`` scope).
    struct Registration {
        /// The lease.
        let lease: EtcdLeaseID
        /// Whether the registration ends when a member says it has no leader.
        var requiresLeader = false
        /// The TTL the server last reported.
        var remainingTTL: Duration?
        /// When the server will expire the lease without a renewal, as far as the client knows; or, before any
        /// answer about a lease whose TTL is unknown, when the first answer must have come.
        var deadline: Instant?
        /// Whether ``deadline`` is the lease's own (from a grant or an answer), not the first-answer timeout.
        var deadlineKnown = false
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
    /// How long a lease whose TTL is unknown may wait for its first answer; `nil` for ever.
    let firstAnswerTimeout: Duration?
    private(set) var registrations: [Int64: Registration] = [:]
    /// The registrations of each lease, so that an answer finds its registrations without a scan.
    private var registrationsByLease: [EtcdLeaseID: [Int64]] = [:]
    /// The shortest TTL a kept-alive lease reported, as of the last ``tick(now:)``; `nil` before any answer.
    private(set) var shortestTTL: Duration?
    private(set) var phase = StreamPhase.idle
    private var nextID: Int64 = 1

    init(resendAfter: Duration = .seconds(1), firstAnswerTimeout: Duration? = nil) {
        self.resendAfter = resendAfter
        self.firstAnswerTimeout = firstAnswerTimeout
    }

    /// Starts keeping `lease` alive; the first renewal goes out at once.
    ///
    /// - Parameters:
    ///   - expiresBy: when the server expires the lease without a renewal, if the client knows (from its grant or
    ///     its last renewal); `nil` when it does not.
    ///   - requiresLeader: whether the registration ends at ``leaderLost(_:)``.
    mutating func add(
        _ lease: EtcdLeaseID,
        now: Instant,
        expiresBy: Instant? = nil,
        requiresLeader: Bool = false
    ) -> (id: Int64, actions: [Action]) {
        let id = nextID
        nextID += 1
        var registration = Registration(lease: lease, requiresLeader: requiresLeader, nextRenewal: now)
        if let sibling = registrationsByLease[lease]?.first.flatMap({ registrations[$0] }) {
            // The server expires the lease, not a registration: a new one shares what is known of it.
            registration.remainingTTL = sibling.remainingTTL
            registration.deadline = sibling.deadline
            registration.deadlineKnown = sibling.deadlineKnown
        } else if let expiresBy, expiresBy > now {
            registration.deadline = expiresBy
            registration.deadlineKnown = true
        } else if let firstAnswerTimeout {
            registration.deadline = now + firstAnswerTimeout
        }
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
        registrationsByLease[lease, default: []].append(id)
        return (id, actions)
    }

    /// Stops keeping a registration's lease alive (it is not revoked).
    mutating func remove(_ id: Int64) -> [Action] {
        guard let removed = registrations.removeValue(forKey: id) else { return [] }
        forget(id, of: removed.lease)
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

    /// A member said it has no leader: the registrations that require one end with `error`; the others go on.
    mutating func leaderLost(_ error: EtcdError) -> [Action] {
        var actions: [Action] = []
        for id in registrations.keys.sorted() {
            guard let registration = registrations[id], registration.requiresLeader else { continue }
            registrations[id] = nil
            forget(id, of: registration.lease)
            actions.append(.fail(registration: id, error))
        }
        return actions
    }

    /// Every registration ends with `error` (the client closed).
    mutating func failAll(_ error: EtcdError) -> [Action] {
        let actions = registrations.keys.sorted().map { Action.fail(registration: $0, error) }
        registrations = [:]
        registrationsByLease = [:]
        phase = .idle
        return actions
    }

    /// An answer arrived for `lease`.
    mutating func received(_ response: EtcdserverPB.LeaseKeepAliveResponse, now: Instant) -> [Action] {
        let lease = EtcdLeaseID(rawValue: response.id)
        var actions: [Action] = []
        var removedAny = false
        for id in registrationsByLease[lease] ?? [] {
            guard var registration = registrations[id] else { continue }
            if response.ttl <= 0 {
                registrations[id] = nil
                forget(id, of: lease)
                removedAny = true
                actions.append(.fail(registration: id, Self.goneError(registration, lease: lease, now: now)))
                continue
            }
            let ttl = Duration.seconds(response.ttl)
            registration.remainingTTL = ttl
            registration.deadline = now + ttl
            registration.deadlineKnown = true
            registration.nextRenewal = now + ttl / 3
            registration.awaitingSince = nil
            registrations[id] = registration
            let heartbeat = EtcdLeaseHeartbeat(lease: lease, ttl: ttl, header: EtcdResponseHeader(response.header))
            actions.append(.heartbeat(registration: id, heartbeat))
        }
        if removedAny && registrations.isEmpty && phase == .open { actions.append(.closeStream) }
        return actions
    }

    /// Time passed: sends the renewals that are due and ends the leases whose deadline passed unanswered.
    ///
    /// The caller ticks periodically (renewals due between two ticks go out together, in one write) and also
    /// at the earliest deadline, so that an expiry is reported on time.
    ///
    /// - Returns: the actions, and the earliest deadline of a lease still kept alive.
    mutating func tick(now: Instant) -> (actions: [Action], nextDeadline: Instant?) {
        var actions: [Action] = []
        var sent: Set<EtcdLeaseID> = []
        var nextDeadline: Instant?
        var shortest: Duration?
        var expired: [Int64] = []
        var due: [Int64] = []
        for (id, registration) in registrations {
            if let deadline = registration.deadline, deadline <= now {
                expired.append(id)
                continue
            }
            let resendDue = registration.awaitingSince.map { $0 + resendAfter <= now } ?? true
            if phase == .open && registration.nextRenewal <= now && resendDue {
                due.append(id)
            }
            nextDeadline = Self.earliest(nextDeadline, registration.deadline)
            if let ttl = registration.remainingTTL { shortest = min(shortest ?? ttl, ttl) }
        }
        for id in expired.sorted() {
            guard let registration = registrations.removeValue(forKey: id) else { continue }
            forget(id, of: registration.lease)
            let message =
                registration.deadlineKnown
                ? "lease \(registration.lease) expired: no renewal reached the server within its TTL"
                : "lease \(registration.lease): no answer within \(firstAnswerTimeout ?? .zero) of starting, and its TTL "
                    + "is unknown to this client; it may have expired"
            let error = EtcdError(.leaseExpired, message: message)
            actions.append(.fail(registration: id, error))
        }
        for id in due.sorted() {
            guard let lease = registrations[id]?.lease else { continue }
            registrations[id]?.awaitingSince = now
            if sent.insert(lease).inserted { actions.append(.send(lease)) }
        }
        shortestTTL = shortest
        if registrations.isEmpty && phase == .open { actions.append(.closeStream) }
        return (actions, nextDeadline)
    }

    private static func earliest(_ first: Instant?, _ second: Instant?) -> Instant? {
        guard let first else { return second }
        guard let second else { return first }
        return min(first, second)
    }

    private mutating func forget(_ id: Int64, of lease: EtcdLeaseID) {
        registrationsByLease[lease]?.removeAll { $0 == id }
        if registrationsByLease[lease]?.isEmpty == true { registrationsByLease[lease] = nil }
    }

    private static func goneError(_ registration: Registration, lease: EtcdLeaseID, now: Instant) -> EtcdError {
        guard let deadline = registration.deadline, registration.deadlineKnown else {
            return EtcdError(.leaseNotFound, message: "lease \(lease) does not exist")
        }
        if deadline <= now {
            return EtcdError(.leaseExpired, message: "lease \(lease) expired")
        }
        return EtcdError(.leaseRevoked, message: "lease \(lease) was revoked")
    }
}
