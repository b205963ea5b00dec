import EtcdClientCore
import EtcdConcurrency
import EtcdMirror
import _EtcdTestSupport

/// The load of a chaos run: each function runs one actor of it until `stop`, recording into `ledger`.
enum ChaosWorkloads {
    /// Puts and transactions on keys no other write uses; every third write is a transaction that creates its key
    /// only if absent, so one applied twice shows.
    static func write(_ client: EtcdClient, writer: Int, ledger: ChaosLedger, stop: ChaosStop) async {
        var sequence = 0
        while !stop.isSet {
            let key = ChaosKeys.write(writer: writer, sequence: sequence)
            let started = ContinuousClock.now
            do {
                if sequence % 3 == 0 {
                    let response = try await client.txn(
                        if: [.createRevision(EtcdKey(key), .equal, 0)],
                        then: [.put(EtcdKey(key), value: "\(sequence)")]
                    )
                    if response.succeeded {
                        ledger.done(key, at: response.header.revision)
                    } else {
                        ledger.violation("the transaction creating \(key) found it there already: applied twice")
                    }
                } else {
                    ledger.done(key, at: try await client.put(EtcdKey(key), value: "\(sequence)").header.revision)
                }
            } catch let error as EtcdError {
                ledger.failed(key, error)
            } catch {
                ledger.violation("a write of \(key) threw \(error), not an EtcdError")
            }
            ledger.callTook(ContinuousClock.now - started)
            sequence += 1
        }
    }

    /// Watches `range` from `revision` until it has seen the end marker of every bucket in it, and returns each
    /// event's revision and key in the order they came.
    static func watch(
        _ client: EtcdClient,
        buckets: Range<Int>,
        from revision: Int64
    ) async throws -> [ChaosEvent] {
        try await client.watch(
            ChaosKeys.range(buckets: buckets.lowerBound, buckets.upperBound),
            startRevision: revision
        ) {
            responses in
            var events: [ChaosEvent] = []
            var markers = 0
            for try await response in responses {
                for event in response.events {
                    let key = event.keyValue.key.description
                    events.append(ChaosEvent(revision: event.revision, key: key, isPut: event.kind == .put))
                    if key.hasSuffix("/~end") { markers += 1 }
                }
                if markers == buckets.count { break }
            }
            return events
        }
    }

    /// Runs `round` again and again until cancelled, each time with a live session: a new one replaces one that
    /// ended. An error is counted and followed by a 50 ms pause, so that a fault that fails every attempt fast does
    /// not spin.
    private static func repeatInSessions(
        _ client: EtcdClient,
        ledger: ChaosLedger,
        _ round: (EtcdSession) async throws -> Void
    ) async {
        var session: EtcdSession?
        while !Task.isCancelled {
            do {
                if session?.isAlive != true { session = try await EtcdSession.start(client: client, ttl: .seconds(3)) }
                if let session { try await round(session) }
            } catch {
                if !Task.isCancelled { ledger.recipeError() }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        session?.orphan()
    }

    /// Takes the mutex again and again, and under it makes two writes fenced by the ownership: one as it enters,
    /// one as it leaves.
    static func contendForLock(_ client: EtcdClient, contender: Int, ledger: ChaosLedger) async {
        var random = SplitMix64(seed: UInt64(contender))
        await repeatInSessions(client, ledger: ledger) { session in
            let pause = Duration.milliseconds(5 + Int(random.next() % 30))
            try await EtcdMutex(session: session, name: ChaosKeys.lockName).withLock { ownership in
                for phase in ["enter", "leave"] {
                    let write = try await client.txn(
                        if: [ownership.fence],
                        then: [.put(ChaosKeys.lockFence, value: "\(ownership.revision) \(phase) \(contender)")]
                    )
                    if write.succeeded { ledger.fencedLockWrite() }
                    try await Task.sleep(for: pause)
                }
            }
        }
    }

    /// Campaigns again and again; while leading, makes two writes fenced by the leadership, then resigns.
    static func campaign(_ client: EtcdClient, candidate: Int, ledger: ChaosLedger) async {
        var random = SplitMix64(seed: UInt64(100 + candidate))
        await repeatInSessions(client, ledger: ledger) { session in
            let pause = Duration.milliseconds(20 + Int(random.next() % 60))
            let election = EtcdElection(session: session, name: ChaosKeys.electionName)
            try await election.campaign(value: "c\(candidate)") { leadership in
                for _ in 0..<2 {
                    let write = try await client.txn(
                        if: [leadership.fence],
                        then: [.put(ChaosKeys.leaderFence, value: "\(leadership.revision) \(candidate)")]
                    )
                    if write.succeeded { ledger.fencedLeaderWrite() }
                    try await Task.sleep(for: pause)
                }
            }
        }
    }

    /// Follows the election's leaders until cancelled, recording each new leader's create revision.
    ///
    /// Its session is started again until one starts, since the nemesis may fail the first attempts; once it
    /// observes, any end but cancellation breaks an invariant.
    static func observe(_ client: EtcdClient, ledger: ChaosLedger) async {
        var started: EtcdSession?
        while started == nil, !Task.isCancelled {
            do {
                started = try await EtcdSession.start(client: client, ttl: .seconds(60))
            } catch {
                if !Task.isCancelled { ledger.recipeError() }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let session = started else { return }
        defer { session.orphan() }
        do {
            try await EtcdElection(session: session, name: ChaosKeys.electionName).observe { changes in
                for try await change in changes {
                    if case .leader(let keyValue) = change { ledger.observedLeader(keyValue.createRevision) }
                }
            }
            ledger.violation("the election observer ended before it was cancelled")
        } catch is CancellationError {
        } catch {
            if !Task.isCancelled { ledger.violation("the election observer failed: \(error)") }
        }
    }

    /// Grants a lease of 3 s with a key on it and keeps it alive until `stop`; then, still inside keep-alive, checks
    /// that the key is there and the lease lives.
    ///
    /// - Returns: `held` when keep-alive held the lease to the end, or the error it reported when it lost it.
    static func keepLeaseAlive(_ client: EtcdClient, ledger: ChaosLedger, stop: ChaosStop) async throws -> String {
        // The nemesis starts with the load: a fault may fail the grant or the put (a write in flight when the
        // leader pauses waits out its deadline), so they are tried again until both succeed.
        var granted: EtcdLeaseID?
        while granted == nil {
            do {
                let lease = try await client.grantLease(ttl: .seconds(3)).id
                try await client.put(ChaosKeys.leased, value: "kept", lease: lease)
                granted = lease
            } catch let error as EtcdError {
                guard !stop.isSet else {
                    ledger.violation("no lease with its key in the whole run; the last attempt: \(error)")
                    return "never granted"
                }
                ledger.recipeError()
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let lease = granted else { return "never granted" }
        return try await client.keepAlive(lease) { keepAlive in
            let failure = await withTaskGroup(of: EtcdError?.self) { group in
                group.addTask {
                    do {
                        for try await _ in keepAlive.heartbeats {}
                        return keepAlive.failure
                    } catch let error as EtcdError {
                        return error
                    } catch {
                        return nil
                    }
                }
                group.addTask {
                    await stop.wait()
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if let failure { return "\(failure.code)" }
            let key = try await client.get(ChaosKeys.leased)
            let timeToLive = try await client.leaseTimeToLive(lease)
            guard key?.lease != lease || (timeToLive.remainingTTL ?? .zero) <= .zero else { return "held" }
            // The lease ended on the server, during a fault. Keep-alive learns it at its next renewal, or when its
            // own deadline passes: it must report the end within one TTL.
            let reported = try? await withTestDeadline(.seconds(3) + .seconds(1), "keep-alive reporting the end") {
                do {
                    for try await _ in keepAlive.heartbeats {}
                } catch let error as EtcdError {
                    return "\(error.code)"
                }
                return keepAlive.failure.map { "\($0.code)" } ?? "an end without an error"
            }
            guard let reported else {
                ledger.violation(
                    "keep-alive reported no end, but the lease is gone (key: \(key?.description ?? "none"), TTL \(timeToLive.remainingTTL.map { "\($0)" } ?? "none"))"
                )
                return "silent"
            }
            return "\(reported), reported after the run"
        }
    }
}

/// One event a chaos watcher saw.
struct ChaosEvent: Sendable, Equatable, CustomStringConvertible {
    var revision: Int64
    var key: String
    var isPut: Bool

    var description: String { "\(isPut ? "put" : "delete") \(key)@\(revision)" }
}
