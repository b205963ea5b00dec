import Testing
import _EtcdWire

@testable import EtcdClientCore

// MARK: - Helpers

private typealias Machine = LeaseKeepAliveStateMachine
private typealias Action = LeaseKeepAliveStateMachine.Action

private let leaseA = EtcdLeaseID(rawValue: 0x1001)
private let leaseB = EtcdLeaseID(rawValue: 0x2002)

private func header(_ revision: Int64) -> EtcdserverPB.ResponseHeader {
    var header = EtcdserverPB.ResponseHeader()
    header.clusterId = 0xC1
    header.memberId = 0x4D
    header.revision = revision
    header.raftTerm = 3
    return header
}

/// The server's answer to a keep-alive request.
private func answer(_ lease: EtcdLeaseID, ttl: Int64, revision: Int64 = 7) -> EtcdserverPB.LeaseKeepAliveResponse {
    var response = EtcdserverPB.LeaseKeepAliveResponse()
    response.header = header(revision)
    response.id = lease.rawValue
    response.ttl = ttl
    return response
}

private func heartbeat(_ lease: EtcdLeaseID, ttl: Int64, revision: Int64 = 7) -> EtcdLeaseHeartbeat {
    EtcdLeaseHeartbeat(lease: lease, ttl: .seconds(ttl), header: EtcdResponseHeader(header(revision)))
}

/// The leases sent, in order.
private func sends(_ actions: [Action]) -> [EtcdLeaseID] {
    actions.compactMap { if case .send(let lease) = $0 { lease } else { nil } }
}

/// The failed registrations and their error codes, in order.
private func failures(_ actions: [Action]) -> [Failure] {
    actions.compactMap { if case .fail(let id, let error) = $0 { Failure(id, error.code) } else { nil } }
}

private func heartbeats(_ actions: [Action]) -> [Int64] {
    actions.compactMap { if case .heartbeat(let id, _) = $0 { id } else { nil } }
}

private struct Failure: Equatable, CustomStringConvertible {
    let registration: Int64
    let code: EtcdError.Code
    init(_ registration: Int64, _ code: EtcdError.Code) {
        self.registration = registration
        self.code = code
    }
    var description: String { "fail(\(registration), \(code))" }
}

/// A machine whose stream is open at `now`, with one registration per lease given (in order).
private func openMachine(
    _ leases: [EtcdLeaseID],
    now: ContinuousClock.Instant,
    resendAfter: Duration = .seconds(1)
) -> (machine: Machine, ids: [Int64]) {
    var machine = Machine(resendAfter: resendAfter)
    var ids: [Int64] = []
    for lease in leases {
        ids.append(machine.add(lease, now: now).id)
    }
    _ = machine.streamOpened(now: now)
    return (machine, ids)
}

// MARK: - Tests

@Suite struct LeaseKeepAliveStateMachineTests {

    // MARK: Adding registrations and opening the stream

    @Test func addWhileIdleOpensTheStreamOnce() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        let first = machine.add(leaseA, now: t0)
        #expect(first.actions == [.openStream])
        #expect(machine.phase == .opening)

        let second = machine.add(leaseB, now: t0 + .milliseconds(1))
        let third = machine.add(leaseA, now: t0 + .milliseconds(2))
        #expect(second.actions.isEmpty)
        #expect(third.actions.isEmpty)
        #expect(Set([first.id, second.id, third.id]).count == 3)
        #expect(machine.registrations.count == 3)
    }

    @Test func leaderLostEndsOnlyTheRegistrationsThatRequireALeader() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        let strict = machine.add(leaseA, now: t0, requiresLeader: true)
        let patient = machine.add(leaseA, now: t0)
        let other = machine.add(leaseB, now: t0, requiresLeader: true)
        let error = EtcdError(.noLeader, message: "etcdserver: no leader")
        #expect(
            machine.leaderLost(error) == [.fail(registration: strict.id, error), .fail(registration: other.id, error)]
        )
        #expect(Array(machine.registrations.keys) == [patient.id])
        #expect(machine.leaderLost(error).isEmpty, "the others go on")
    }

    @Test func addWhileOpenSendsAtOnce() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        let added = machine.add(leaseB, now: t0 + .milliseconds(5))
        #expect(added.actions == [.send(leaseB)])
        // A second registration of an already kept lease also renews at once.
        let again = machine.add(leaseA, now: t0 + .milliseconds(6))
        #expect(again.actions == [.send(leaseA)])
    }

    @Test func streamOpenedSendsOncePerDistinctLease() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        _ = machine.add(leaseA, now: t0)
        _ = machine.add(leaseA, now: t0)
        _ = machine.add(leaseB, now: t0)
        let actions = machine.streamOpened(now: t0 + .milliseconds(10))
        #expect(machine.phase == .open)
        #expect(actions.count == 2)
        #expect(Set(sends(actions)) == [leaseA, leaseB])
        #expect(actions.allSatisfy { if case .send = $0 { true } else { false } })
    }

    @Test func streamOpenedWithNoRegistrationLeftClosesIt() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        let (id, _) = machine.add(leaseA, now: t0)
        #expect(machine.remove(id).isEmpty)  // still opening: nothing to close yet
        #expect(machine.streamOpened(now: t0 + .milliseconds(1)) == [.closeStream])
    }

    // MARK: Answers

    @Test func answerHeartbeatsEveryRegistrationOfThatLease() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseA, leaseB], now: t0)
        let actions = machine.received(answer(leaseA, ttl: 9, revision: 42), now: t0 + .milliseconds(20))
        let expected = heartbeat(leaseA, ttl: 9, revision: 42)
        #expect(actions == [.heartbeat(registration: ids[0], expected), .heartbeat(registration: ids[1], expected)])
        #expect(expected.header.clusterID == 0xC1 && expected.header.revision == 42)
        #expect(machine.registrations[ids[0]]?.remainingTTL == .seconds(9))
        #expect(machine.registrations[ids[2]]?.remainingTTL == nil)
    }

    @Test func answerForUnknownLeaseDoesNothing() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        #expect(machine.received(answer(EtcdLeaseID(rawValue: 0x9999), ttl: 9), now: t0).isEmpty)
        #expect(machine.received(answer(EtcdLeaseID(rawValue: 0x9999), ttl: 0), now: t0).isEmpty)
        #expect(machine.registrations.count == 1)
    }

    @Test func renewalIsDueAThirdOfTheTTLAfterTheAnswer() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        let t1 = t0 + .milliseconds(30)
        _ = machine.received(answer(leaseA, ttl: 9), now: t1)

        let early = machine.tick(now: t1 + .seconds(3) - .milliseconds(1))
        #expect(early.actions.isEmpty)
        #expect(early.nextDeadline == t1 + .seconds(9))

        var late = machine
        let onTime = machine.tick(now: t1 + .seconds(3))
        #expect(onTime.actions == [.send(leaseA)])
        let after = late.tick(now: t1 + .seconds(4))
        #expect(after.actions == [.send(leaseA)])
    }

    @Test func renewalWithATTLNotDivisibleByThree() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 10), now: t0)
        let due = t0 + Duration.seconds(10) / 3
        #expect(machine.tick(now: t0 + .milliseconds(3333)).actions.isEmpty)
        #expect(machine.tick(now: due).actions == [.send(leaseA)])
    }

    @Test func twoRegistrationsOfOneLeaseRenewWithOneSend() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA, leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1)).actions == [.send(leaseA)])
    }

    @Test func answerStopsTheResendAndMovesTheDeadline() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1)).actions == [.send(leaseA)])
        _ = machine.received(answer(leaseA, ttl: 3), now: t0 + .milliseconds(1100))
        // No resend one second after the renewal: it was answered.
        #expect(machine.tick(now: t0 + .seconds(2)).actions.isEmpty)
        // The old deadline (t0 + 3 s) no longer applies.
        let tick = machine.tick(now: t0 + .seconds(3))
        #expect(failures(tick.actions).isEmpty)
        #expect(machine.registrations.count == 1)
    }

    // MARK: Resending

    @Test func unansweredRenewalIsResentAfterResendAfterAndNotBefore() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0, resendAfter: .milliseconds(500))

        #expect(machine.tick(now: t0 + .milliseconds(499)).actions.isEmpty)
        #expect(machine.tick(now: t0 + .milliseconds(500)).actions == [.send(leaseA)])

        #expect(machine.tick(now: t0 + .milliseconds(999)).actions.isEmpty)
        #expect(machine.tick(now: t0 + .milliseconds(1000)).actions == [.send(leaseA)])
    }

    @Test func addWhileOpenIsResentWhenUnanswered() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 30), now: t0)
        let t1 = t0 + .milliseconds(100)
        #expect(machine.add(leaseB, now: t1).actions == [.send(leaseB)])
        #expect(machine.tick(now: t1 + .milliseconds(999)).actions.isEmpty)
        #expect(machine.tick(now: t1 + .seconds(1)).actions == [.send(leaseB)])
    }

    @Test func nextDeadlineIsTheEarliestDeadlineOfAnAnsweredLease() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA, leaseB], now: t0, resendAfter: .seconds(2))

        // A answered with TTL 30; B has no answer, so no deadline yet.
        _ = machine.received(answer(leaseA, ttl: 30), now: t0 + .milliseconds(100))
        #expect(machine.tick(now: t0 + .milliseconds(200)).nextDeadline == t0 + .milliseconds(30_100))

        // B answered with TTL 3: its deadline comes first.
        _ = machine.received(answer(leaseB, ttl: 3), now: t0 + .milliseconds(300))
        #expect(machine.tick(now: t0 + .milliseconds(400)).nextDeadline == t0 + .milliseconds(3300))

        // B renewed at +1.3 s and not answered: its deadline stays.
        #expect(machine.tick(now: t0 + .milliseconds(1300)).actions == [.send(leaseB)])
        #expect(machine.tick(now: t0 + .milliseconds(1400)).nextDeadline == t0 + .milliseconds(3300))
    }

    @Test func nextDeadlineIsNilWithoutRegistrations() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        #expect(machine.tick(now: t0).nextDeadline == nil)
        #expect(machine.tick(now: t0).actions.isEmpty)
    }

    // MARK: Expiry

    @Test func deadlinePassingWhileTheStreamIsDownExpiresTheLease() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        let t1 = t0 + .milliseconds(10)
        _ = machine.received(answer(leaseA, ttl: 9), now: t1)
        #expect(machine.streamFailed() == true)

        let before = machine.tick(now: t1 + .seconds(9) - .milliseconds(1))
        #expect(before.actions.isEmpty)

        let at = machine.tick(now: t1 + .seconds(9))
        #expect(failures(at.actions) == [Failure(ids[0], .leaseExpired)])
        #expect(sends(at.actions).isEmpty)
        #expect(!at.actions.contains(.closeStream))
        #expect(machine.registrations.isEmpty)
        #expect(at.nextDeadline == nil)
        // Forgotten: a later answer or tick does nothing.
        #expect(machine.received(answer(leaseA, ttl: 9), now: t1 + .seconds(10)).isEmpty)
        #expect(machine.tick(now: t1 + .seconds(20)).actions.isEmpty)
    }

    @Test func deadlinePassingWhileOpenWithoutAnswerExpiresAndClosesTheStream() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1)).actions == [.send(leaseA)])
        #expect(machine.tick(now: t0 + .seconds(2)).actions == [.send(leaseA)])
        let at = machine.tick(now: t0 + .seconds(3))
        #expect(failures(at.actions) == [Failure(ids[0], .leaseExpired)])
        #expect(at.actions.last == .closeStream)
        #expect(sends(at.actions).isEmpty)
        #expect(machine.registrations.isEmpty)
    }

    @Test func aLeaseWithARecentAnswerIsNotExpired() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseB], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        _ = machine.received(answer(leaseB, ttl: 3), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1)).actions == [.send(leaseA), .send(leaseB)])
        _ = machine.received(answer(leaseA, ttl: 3), now: t0 + .milliseconds(2900))

        let tick = machine.tick(now: t0 + .seconds(3))
        #expect(failures(tick.actions) == [Failure(ids[1], .leaseExpired)])
        #expect(sends(tick.actions).isEmpty)
        #expect(!tick.actions.contains(.closeStream))
        #expect(machine.registrations.keys.sorted() == [ids[0]])
        #expect(tick.nextDeadline == t0 + .milliseconds(5900))  // A's new deadline
    }

    @Test func expiryFailsEveryRegistrationOfTheLease() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        _ = machine.streamFailed()
        let tick = machine.tick(now: t0 + .seconds(3))
        #expect(failures(tick.actions) == [Failure(ids[0], .leaseExpired), Failure(ids[1], .leaseExpired)])
    }

    // MARK: Gone leases (TTL <= 0)

    @Test(arguments: [Int64(0), -1])
    func goneBeforeAnyAnswerIsLeaseNotFound(ttl: Int64) {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        let actions = machine.received(answer(leaseA, ttl: ttl), now: t0 + .milliseconds(5))
        #expect(failures(actions) == [Failure(ids[0], .leaseNotFound)])
        #expect(heartbeats(actions).isEmpty)
        #expect(actions.last == .closeStream)
        #expect(machine.registrations.isEmpty)
    }

    @Test(arguments: [Int64(0), -1])
    func goneAfterAnswersBeforeTheDeadlineIsLeaseRevoked(ttl: Int64) {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseB], now: t0)
        _ = machine.received(answer(leaseA, ttl: 9), now: t0)
        let actions = machine.received(answer(leaseA, ttl: ttl), now: t0 + .seconds(9) - .milliseconds(1))
        #expect(failures(actions) == [Failure(ids[0], .leaseRevoked)])
        #expect(!actions.contains(.closeStream))  // lease B is still kept
        #expect(machine.registrations.keys.sorted() == [ids[1]])
    }

    @Test func goneAfterTheDeadlineIsLeaseExpired() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        _ = machine.streamFailed()
        _ = machine.streamOpened(now: t0 + .seconds(5))
        // The answer lands before any tick noticed the deadline.
        let actions = machine.received(answer(leaseA, ttl: 0), now: t0 + .seconds(5) + .milliseconds(10))
        #expect(failures(actions) == [Failure(ids[0], .leaseExpired)])
        #expect(actions.last == .closeStream)
    }

    @Test func goneFailsEveryRegistrationOfTheLease() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 9), now: t0)
        let actions = machine.received(answer(leaseA, ttl: 0), now: t0 + .seconds(1))
        #expect(failures(actions) == [Failure(ids[0], .leaseRevoked), Failure(ids[1], .leaseRevoked)])
        #expect(machine.registrations.isEmpty)
    }

    // MARK: Stream not open

    @Test func tickSendsNothingWhileTheStreamIsNotOpen() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        _ = machine.add(leaseA, now: t0)  // opening
        #expect(sends(machine.tick(now: t0 + .seconds(5)).actions).isEmpty)

        _ = machine.streamOpened(now: t0 + .seconds(6))
        _ = machine.received(answer(leaseA, ttl: 3), now: t0 + .seconds(6))
        #expect(machine.streamFailed() == true)
        #expect(machine.phase == .opening)
        // The renewal (+1 s) and resend times pass: nothing is sent without a stream.
        #expect(machine.tick(now: t0 + .seconds(7)).actions.isEmpty)
        #expect(machine.tick(now: t0 + .seconds(8)).actions.isEmpty)
        // But the deadline still expires it.
        #expect(failures(machine.tick(now: t0 + .seconds(9)).actions).map(\.code) == [.leaseExpired])
    }

    @Test func reopenedStreamRenewsEveryLeaseAtOnce() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA, leaseB, leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 60), now: t0)
        _ = machine.received(answer(leaseB, ttl: 90), now: t0)
        #expect(machine.streamFailed() == true)

        let reopened = machine.streamOpened(now: t0 + .milliseconds(200))
        #expect(reopened.count == 2)
        #expect(Set(sends(reopened)) == [leaseA, leaseB])
        // Not sent again on the next tick.
        #expect(machine.tick(now: t0 + .milliseconds(250)).actions.isEmpty)
    }

    @Test func reopenedStreamRenewsALeaseWhoseRenewalWasInFlight() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1)).actions == [.send(leaseA)])
        #expect(machine.streamFailed() == true)
        // The in-flight renewal is lost with the stream; the new stream renews at once, not after resendAfter.
        #expect(machine.streamOpened(now: t0 + .milliseconds(1100)) == [.send(leaseA)])
    }

    // MARK: Removing registrations

    @Test func removeTheLastRegistrationWhileOpenClosesTheStream() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseB], now: t0)
        #expect(machine.remove(ids[0]).isEmpty)
        #expect(machine.remove(ids[1]) == [.closeStream])
        #expect(machine.registrations.isEmpty)
    }

    @Test func removeUnknownDoesNothing() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        #expect(machine.remove(999).isEmpty)
        #expect(machine.registrations.count == 1)
        #expect(machine.remove(ids[0]) == [.closeStream])
        #expect(machine.remove(ids[0]).isEmpty)  // twice
    }

    @Test func answersForRemovedRegistrationsProduceNothing() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseB], now: t0)
        _ = machine.remove(ids[0])
        #expect(machine.received(answer(leaseA, ttl: 9), now: t0 + .milliseconds(5)).isEmpty)
        #expect(machine.received(answer(leaseA, ttl: 0), now: t0 + .milliseconds(6)).isEmpty)
        #expect(machine.registrations.keys.sorted() == [ids[1]])
        // A removed lease is no longer renewed.
        _ = machine.received(answer(leaseB, ttl: 3), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1)).actions == [.send(leaseB)])
    }

    @Test func answerAfterTheLastRegistrationWasRemovedReportsNoRegistration() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        #expect(machine.remove(ids[0]) == [.closeStream])
        let actions = machine.received(answer(leaseA, ttl: 9), now: t0 + .milliseconds(5))
        #expect(heartbeats(actions).isEmpty)
        #expect(failures(actions).isEmpty)
        #expect(sends(actions).isEmpty)
    }

    @Test func removedRegistrationIsNotExpired() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseB], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        _ = machine.remove(ids[0])
        _ = machine.streamFailed()
        #expect(machine.tick(now: t0 + .seconds(10)).actions.isEmpty)
    }

    // MARK: failAll and streamFailed

    @Test func failAllFailsEveryRegistrationWithTheGivenError() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA, leaseA, leaseB], now: t0)
        _ = machine.received(answer(leaseA, ttl: 9), now: t0)
        let error = EtcdError(.clientClosed, message: "the client was closed")
        let actions = machine.failAll(error)
        #expect(actions == ids.map { Action.fail(registration: $0, error) })
        #expect(machine.registrations.isEmpty)
        #expect(machine.phase == .idle)
        #expect(machine.tick(now: t0 + .seconds(100)).actions.isEmpty)
        #expect(machine.failAll(error).isEmpty)
    }

    @Test func streamFailedReturnsWhetherLeasesRemain() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        #expect(machine.streamFailed() == true)
        #expect(machine.phase == .opening)
        _ = machine.streamOpened(now: t0 + .milliseconds(10))
        _ = machine.remove(ids[0])
        #expect(machine.streamFailed() == false)
        #expect(machine.phase == .idle)
        // The next registration opens a stream again.
        #expect(machine.add(leaseB, now: t0 + .seconds(1)).actions == [.openStream])
    }

    @Test func streamFailedAfterFailAllReturnsFalse() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA, leaseB], now: t0)
        _ = machine.failAll(EtcdError(.clientClosed))
        #expect(machine.streamFailed() == false)
        #expect(machine.phase == .idle)
    }

    // MARK: The timer must never be told to wake in the past (the hub wakes at the earliest deadline)

    /// While no stream is open the machine cannot send, so a renewal that is due must not make the wake-up an
    /// instant already passed: the hub's timer would sleep until it (not at all) and spin until the
    /// stream opens (through every reconnect backoff, forever if the server stays unreachable).
    @Test func nextIsNotInThePastWhileTheStreamIsOpening() {
        let t0 = ContinuousClock.now
        var machine = Machine()
        _ = machine.add(leaseA, now: t0)  // opening; renewal due at once
        let now = t0 + .milliseconds(100)
        let tick = machine.tick(now: now)
        #expect(tick.actions.isEmpty)
        #expect(tick.nextDeadline.map { $0 > now } ?? true, "\(String(describing: tick.nextDeadline)) is not after now")
    }

    @Test func nextIsNotInThePastAfterTheStreamFailed() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 9), now: t0)
        _ = machine.streamFailed()
        let now = t0 + .seconds(4)  // renewal (+3 s) due, deadline (+9 s) ahead
        let tick = machine.tick(now: now)
        #expect(tick.actions.isEmpty)
        #expect(tick.nextDeadline.map { $0 > now } ?? true, "\(String(describing: tick.nextDeadline)) is not after now")
    }

    /// After a re-open renews a lease early, an unanswered renewal is not re-sent before the lease's own
    /// renewal time; the wake-up must not be the passed resend time.
    @Test func nextIsNotInThePastWhileAnEarlyRenewalIsUnanswered() {
        let t0 = ContinuousClock.now
        var (machine, _) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 30), now: t0)  // renewal at +10 s
        _ = machine.streamFailed()
        _ = machine.streamOpened(now: t0 + .seconds(2))  // renewed early, unanswered
        let now = t0 + .seconds(4)  // resend time (+3 s) passed, renewal (+10 s) not yet
        let tick = machine.tick(now: now)
        #expect(tick.actions.isEmpty)
        #expect(tick.nextDeadline.map { $0 > now } ?? true, "\(String(describing: tick.nextDeadline)) is not after now")
    }

    // MARK: Per-lease deadline

    /// A second registration of a lease, added after the lease's last answer, must expire with the lease:
    /// the server expires the lease at the deadline whatever registration asked for it.
    @Test func registrationAddedAfterTheLastAnswerExpiresWithTheLease() {
        let t0 = ContinuousClock.now
        var (machine, ids) = openMachine([leaseA], now: t0)
        _ = machine.received(answer(leaseA, ttl: 3), now: t0)
        let late = machine.add(leaseA, now: t0 + .milliseconds(500)).id  // its renewal is never answered
        _ = machine.streamFailed()  // server unreachable from here on

        let tick = machine.tick(now: t0 + .seconds(3))
        #expect(failures(tick.actions) == [Failure(ids[0], .leaseExpired), Failure(late, .leaseExpired)])
        #expect(machine.registrations.isEmpty)
    }
}
