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
    /// The registrations of each lease, so that an answer finds its registrations without a scan.
    private var registrationsByLease: [EtcdLeaseID: [Int64]] = [:]
    /// The shortest TTL a kept-alive lease reported, as of the last ``tick(now:)``; `nil` before any answer.
    private(set) var shortestTTL: Duration?
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
        if let sibling = registrationsByLease[lease]?.first.flatMap({ registrations[$0] }) {
            // The server expires the lease, not a registration: a new one shares what is known of it.
            registration.remainingTTL = sibling.remainingTTL
            registration.deadline = sibling.deadline
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
            let error = EtcdError(
                .leaseExpired,
                message: "lease \(registration.lease) expired: no renewal reached the server within its TTL"
            )
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
        guard let deadline = registration.deadline else {
            return EtcdError(.leaseNotFound, message: "lease \(lease) does not exist")
        }
        if deadline <= now {
            return EtcdError(.leaseExpired, message: "lease \(lease) expired")
        }
        return EtcdError(.leaseRevoked, message: "lease \(lease) was revoked")
    }
}
