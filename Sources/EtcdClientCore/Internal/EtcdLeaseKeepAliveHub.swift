import _EtcdTransport
import _EtcdWire

/// Keeps the client's leases alive on one bidirectional LeaseKeepAlive stream, re-opened after faults.
///
/// The logic is in ``LeaseKeepAliveStateMachine``; this class holds it under a lock, performs its actions,
/// reads the stream in one task and drives the renewal timer in another.
final class EtcdLeaseKeepAliveHub: Sendable {
    private struct State {
        var machine: LeaseKeepAliveStateMachine
        var stream: GRPCStream?
        var consumers: [Int64: AsyncThrowingStream<EtcdLeaseHeartbeat, any Error>.Continuation] = [:]
        var latest: [Int64: EtcdLeaseHeartbeat] = [:]
        var failures: [Int64: EtcdError] = [:]
        var tickerRunning = false
        /// Why the hub takes no more registrations, once the client is closed.
        var closed: EtcdError?
    }

    private let channel: EtcdChannel
    private let deadlines: LeaseDeadlines
    private let state: LockedValue<State>
    /// The timer's period: a sixth of the shortest TTL, at most 500 ms (as the Go client's send loop), and
    /// 50 ms before any answer. A renewal due a third of the TTL after the last answer goes out within one
    /// period of it (by half the TTL at the latest), renewals due close together share one write, and many
    /// leases cost a few scans a second rather than one per renewal.
    private static func timerGranularity(shortestTTL: Duration?) -> Duration {
        max(.milliseconds(50), min(.milliseconds(500), (shortestTTL ?? .zero) / 6))
    }

    /// A hub on `channel` that records renewals in `deadlines`.
    ///
    /// A lease whose TTL the client does not know must be answered within the connect timeout and a second,
    /// as with the Go client's first keep-alive.
    init(channel: EtcdChannel, deadlines: LeaseDeadlines) {
        self.channel = channel
        self.deadlines = deadlines
        let firstAnswerTimeout = channel.configuration.connectTimeout + .seconds(1)
        self.state = LockedValue(State(machine: LeaseKeepAliveStateMachine(firstAnswerTimeout: firstAnswerTimeout)))
    }

    /// Starts keeping `lease` alive; with `requiresLeader`, the registration ends with `noLeader` as soon as a
    /// member says it has no leader.
    ///
    /// - Throws: `clientClosed` once the client is closed.
    func register(
        _ lease: EtcdLeaseID,
        requiresLeader: Bool = false
    ) throws(EtcdError) -> (id: Int64, heartbeats: AsyncThrowingStream<EtcdLeaseHeartbeat, any Error>) {
        let (heartbeats, continuation) = AsyncThrowingStream<EtcdLeaseHeartbeat, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1)
        )
        let registered = state.withLock { state -> Result<Int64, EtcdError> in
            if let closed = state.closed { return .failure(closed) }
            let (id, actions) = state.machine.add(
                lease,
                now: .now,
                expiresBy: deadlines.deadline(of: lease),
                requiresLeader: requiresLeader
            )
            state.consumers[id] = continuation
            perform(actions, in: &state)
            if !state.tickerRunning {
                state.tickerRunning = true
                channel.backgroundTasks.start { await self.runTimer() }
            }
            return .success(id)
        }
        return (try registered.get(), heartbeats)
    }

    /// Stops keeping a registration's lease alive.
    func unregister(_ id: Int64) {
        state.withLock { state in
            let actions = state.machine.remove(id)
            state.consumers.removeValue(forKey: id)?.finish()
            state.latest[id] = nil
            state.failures[id] = nil
            perform(actions, in: &state)
        }
    }

    /// The latest acknowledged renewal of a registration, if any.
    func latestHeartbeat(_ id: Int64) -> EtcdLeaseHeartbeat? {
        state.withLock { $0.latest[id] }
    }

    /// Why a registration ended, if it did.
    func failure(_ id: Int64) -> EtcdError? {
        state.withLock { $0.failures[id] }
    }

    /// Ends every registration with `clientClosed`.
    func close(with error: EtcdError = EtcdError(.clientClosed, message: "the client was closed")) {
        state.withLock { state in
            state.closed = error
            perform(state.machine.failAll(error), in: &state)
            state.stream?.cancel()
            state.stream = nil
        }
    }

    // MARK: - Actions

    private func perform(_ actions: [LeaseKeepAliveStateMachine.Action], in state: inout State) {
        // Renewals due together go to the I/O thread as one buffer.
        var renewals: [[UInt8]] = []
        defer { try? state.stream?.send(contentsOf: renewals) }
        for action in actions {
            switch action {
            case .send(let lease):
                var request = EtcdserverPB.LeaseKeepAliveRequest()
                request.id = lease.rawValue
                renewals.append(request.serializedBytes())
            case .openStream:
                channel.backgroundTasks.start { await self.runStream() }
            case .closeStream:
                state.stream?.cancel()
            case .heartbeat(let id, let heartbeat):
                deadlines.record(heartbeat.lease, ttl: heartbeat.ttl)
                state.latest[id] = heartbeat
                state.consumers[id]?.yield(heartbeat)
            case .fail(let id, let error):
                channel.logger.logEnded("a lease's keep-alive ended", "registration", id, error)
                state.latest[id] = nil
                state.failures[id] = error
                state.consumers.removeValue(forKey: id)?.finish(throwing: error)
            }
        }
    }

    // MARK: - Tasks

    /// Sends due renewals and expires leases whose deadline passed, until no lease is left.
    private func runTimer() async {
        while true {
            let wake = state.withLock { state -> ContinuousClock.Instant? in
                let now = ContinuousClock.now
                let (actions, nextDeadline) = state.machine.tick(now: now)
                perform(actions, in: &state)
                if state.machine.registrations.isEmpty {
                    state.tickerRunning = false
                    return nil
                }
                // Renewals go out on ticks, so those due close together share one write and one wake-up; an
                // expiry is still reported at its deadline.
                let tick = now + Self.timerGranularity(shortestTTL: state.machine.shortestTTL)
                return min(tick, nextDeadline ?? tick)
            }
            guard let wake else { return }
            try? await Task.sleep(until: wake, clock: .continuous)
        }
    }

    /// Opens the stream, reads it until it ends, and re-opens it while leases remain.
    private func runStream() async {
        await ReconnectingStream.run(
            EtcdserverPB.LeaseService.LeaseKeepAlive.self,
            channel: channel,
            // Renewals go to a member with a leader (one without cannot renew); a keep-alive that requires a
            // leader ends at the first refusal, the others go on until their lease's deadline.
            leader: .preferred(refused: { error in
                self.state.withLock { state in self.perform(state.machine.leaderLost(error), in: &state) }
            }),
            opened: { stream in
                state.withLock { state in
                    state.stream = stream
                    perform(state.machine.streamOpened(now: .now), in: &state)
                }
            },
            received: { response in
                state.withLock { state in perform(state.machine.received(response, now: .now), in: &state) }
                return .keepReading
            },
            ended: {
                state.withLock { state in
                    state.stream = nil
                    return state.machine.streamFailed()
                }
            },
            terminated: { error in close(with: error) }
        )
    }
}
