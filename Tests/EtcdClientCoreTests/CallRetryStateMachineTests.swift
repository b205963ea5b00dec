import Testing

@testable import EtcdClientCore

private typealias Machine = CallRetryStateMachine
private typealias Decision = CallRetryStateMachine.Decision

private let start = ContinuousClock.now

private func machine(
    _ kind: EtcdRetryPolicy,
    timeout: Duration? = .seconds(5),
    endpoints: Int = 3,
    authenticates: Bool = false
) -> Machine {
    Machine(kind: kind, timeout: timeout, endpointCount: endpoints, authenticates: authenticates, now: start)
}

private let refused = EtcdError(.connectionFailed, message: "could not connect", endpoint: "a:1", requestNotSent: true)
private let lost = EtcdError(.connectionFailed, message: "the connection was lost", endpoint: "a:1")
private let retryAtOnce = Decision(next: .retry(after: .zero))

@Suite("Call retry rule")
struct CallRetryStateMachineTests {
    @Test("a refused connection is retried by reads and writes alike until the deadline, then reported")
    func refusedUntilDeadline() {
        for kind in [EtcdRetryPolicy.idempotent, .ifNotSent] {
            var retrier = machine(kind, timeout: .seconds(2), endpoints: 1)
            for step in 0..<100 {
                let now = start + .milliseconds(step * 15)
                #expect(retrier.failed(.connection(refused), now: now) == retryAtOnce)
            }
            #expect(retrier.failed(.connection(refused), now: start + .seconds(2)) == Decision(next: .fail(refused)))
        }
    }

    @Test("a member's refusal (no leader) is what a read reports when later attempts only fail to connect in time")
    func refusalOutlivesLaterConnectionFailures() {
        var retrier = machine(.idempotent, timeout: .seconds(2), endpoints: 1)
        let noLeader = EtcdError(.noLeader, message: "etcdserver: no leader", endpoint: "a:1", requestNotSent: false)
        #expect(retrier.failed(.status(noLeader), now: start).next == .retry(after: .zero))
        #expect(retrier.failed(.connection(refused), now: start + .milliseconds(500)) == retryAtOnce)
        guard case .fail(let error) = retrier.failed(.outOfTime(refused), now: start + .seconds(2)).next else {
            Issue.record("out of time must fail")
            return
        }
        #expect(error.code == .noLeader)
        #expect(error.message.contains("etcdserver: no leader") && error.message.contains("could not connect"))
    }

    @Test("a call without a deadline stops retrying after the documented bound")
    func boundWithoutDeadline() {
        var retrier = machine(.idempotent, timeout: nil)
        #expect(retrier.attemptTimeout(now: start) == nil)
        #expect(retrier.failed(.connection(refused), now: start + .seconds(29)) == retryAtOnce)
        #expect(
            retrier.failed(.connection(refused), now: start + Machine.boundWithoutDeadline)
                == Decision(next: .fail(refused))
        )
    }

    @Test("a connection lost after the request: a read is sent again, a write's outcome is unknown")
    func lostAfterSending() {
        var read = machine(.idempotent)
        #expect(read.failed(.connection(lost), now: start) == retryAtOnce)
        var write = machine(.ifNotSent)
        guard case .fail(let error) = write.failed(.connection(lost), now: start).next else {
            Issue.record("a write must not be sent again")
            return
        }
        #expect(error.code == .outcomeUnknown && !error.requestNotSent && error.endpoint == "a:1")
        #expect(error.message.contains("may or may not have been applied"))
    }

    @Test("a read on several endpoints keeps part of its time for another member; other calls get it all")
    func attemptTimeouts() {
        #expect(machine(.idempotent, timeout: .seconds(5)).attemptTimeout(now: start) == .seconds(3))
        #expect(machine(.idempotent, timeout: .seconds(30)).attemptTimeout(now: start) == .seconds(28))
        #expect(machine(.idempotent, timeout: .seconds(1)).attemptTimeout(now: start) == .milliseconds(500))
        #expect(machine(.idempotent, timeout: .milliseconds(150)).attemptTimeout(now: start) == .milliseconds(150))
        #expect(machine(.idempotent, timeout: .seconds(5), endpoints: 1).attemptTimeout(now: start) == .seconds(5))
        #expect(machine(.ifNotSent, timeout: .seconds(5)).attemptTimeout(now: start) == .seconds(5))
        let later = machine(.idempotent, timeout: .seconds(5)).attemptTimeout(now: start + .seconds(3))
        #expect(later == .seconds(1))
    }

    @Test("an attempt that ran out of its own time moves a read on; the call's deadline ends it")
    func attemptTimedOut() {
        let timedOut = EtcdError(.deadlineExceeded, message: "the call's deadline passed")
        var read = machine(.idempotent)
        #expect(
            read.failed(.timedOut(timedOut), now: start + .seconds(3))
                == Decision(next: .retry(after: .zero), abandon: "no answer within the attempt's time")
        )
        #expect(read.failed(.timedOut(timedOut), now: start + .seconds(5)) == Decision(next: .fail(timedOut)))
        var write = machine(.ifNotSent)
        #expect(write.failed(.timedOut(timedOut), now: start + .seconds(5)) == Decision(next: .fail(timedOut)))
    }

    @Test("the server's own timeout or lost leader: a read moves on, a write fails and the next call moves on")
    func memberCannotServe() {
        for code in [EtcdError.Code.serverTimeout, .noLeader, .leaderChanged, .unavailable] {
            let error = EtcdError(code, message: "m")
            var read = machine(.idempotent)
            #expect(
                read.failed(.status(error), now: start) == Decision(next: .retry(after: .zero), abandon: "\(code): m")
            )
            var write = machine(.ifNotSent)
            let decision = write.failed(.status(error), now: start)
            #expect(decision == Decision(next: .fail(error), abandon: "\(code): m"))
            #expect(!error.requestNotSent, "a write that timed out on the server may still commit")
        }
        // Before the request left (say, while authenticating), even a write goes to the next member.
        var write = machine(.ifNotSent)
        let notSent = EtcdError(.noLeader, message: "m", requestNotSent: true)
        #expect(
            write.failed(.status(notSent), now: start) == Decision(next: .retry(after: .zero), abandon: "noLeader: m")
        )
    }

    @Test("a refused token is renewed a bounded number of times; the final error says how many")
    func reauthentication() {
        var retrier = machine(.ifNotSent, authenticates: true)
        let old = EtcdError(.authOldRevision, message: "etcdserver: revision of auth store is old")
        for _ in 0..<Machine.reauthenticationLimit {
            #expect(retrier.failed(.status(old), now: start) == Decision(next: .reauthenticate))
        }
        guard case .fail(let error) = retrier.failed(.status(old), now: start).next else {
            Issue.record("expected the call to give up")
            return
        }
        #expect(error.code == .authOldRevision)
        #expect(error.message.contains("after authenticating again \(Machine.reauthenticationLimit) times"))
    }

    @Test("an empty user name asks for a token only of a client with credentials")
    func userEmpty() {
        let empty = EtcdError(.userEmpty, message: "etcdserver: user name is empty")
        var withCredentials = machine(.idempotent, authenticates: true)
        #expect(withCredentials.failed(.status(empty), now: start) == Decision(next: .reauthenticate))
        var anonymous = machine(.idempotent)
        #expect(anonymous.failed(.status(empty), now: start) == Decision(next: .fail(empty)))
    }

    @Test("too many requests: growing pauses within the deadline, a bounded number of times")
    func overload() {
        let overloaded = EtcdError(.tooManyRequests, message: "etcdserver: too many requests", requestNotSent: true)
        var retrier = machine(.ifNotSent, timeout: .seconds(60))
        var pauses: [Duration] = []
        for _ in 0..<Machine.overloadRetryLimit {
            guard case .retry(let delay) = retrier.failed(.status(overloaded), now: start).next else {
                Issue.record("expected a pause")
                return
            }
            pauses.append(delay)
        }
        #expect(pauses.first! <= .milliseconds(25) && pauses.last! > .milliseconds(500))
        #expect(retrier.failed(.status(overloaded), now: start) == Decision(next: .fail(overloaded)))
        var short = machine(.ifNotSent, timeout: .milliseconds(10))
        #expect(short.failed(.status(overloaded), now: start) == Decision(next: .fail(overloaded)))
    }

    @Test("stale answers: the next endpoint is asked, staleRead once every endpoint answered from the past")
    func staleAnswers() {
        var retrier = machine(.idempotent, endpoints: 2)
        #expect(retrier.failed(.stale("old"), now: start) == Decision(next: .retry(after: .zero), abandon: "old"))
        guard case .fail(let error) = retrier.failed(.stale("older"), now: start).next else {
            Issue.record("expected staleRead")
            return
        }
        #expect(error.code == .staleRead && error.message.contains("older"))
        // When some member answered from the past and another failed, the deadline reports staleRead with both.
        var mixed = machine(.idempotent, endpoints: 3)
        _ = mixed.failed(.stale("old"), now: start)
        guard case .fail(let final) = mixed.failed(.connection(refused), now: start + .seconds(5)).next else {
            Issue.record("expected the call to give up")
            return
        }
        #expect(final.code == .staleRead && final.message.contains("could not connect"))
    }

    @Test("no time to connect before the deadline: the last connection failure is reported")
    func outOfTime() {
        var retrier = machine(.idempotent)
        _ = retrier.failed(.connection(refused), now: start)
        let noTime = EtcdError(.deadlineExceeded, message: "no time", requestNotSent: true)
        #expect(retrier.failed(.outOfTime(noTime), now: start) == Decision(next: .fail(refused)))
        var first = machine(.idempotent)
        #expect(first.failed(.outOfTime(noTime), now: start) == Decision(next: .fail(noTime)))
    }

    @Test("a closed client ends the call; a broken peer is tried twice per endpoint")
    func finalFailures() {
        let closed = EtcdError(.clientClosed, message: "closed", requestNotSent: true)
        var retrier = machine(.idempotent)
        #expect(retrier.failed(.connection(closed), now: start) == Decision(next: .fail(closed)))
        let tls = EtcdError(.tlsFailed, message: "certificate verify failed", requestNotSent: true)
        var handshakes = machine(.idempotent, endpoints: 2)
        for _ in 0..<3 { #expect(handshakes.failed(.brokenPeer(tls), now: start) == retryAtOnce) }
        #expect(handshakes.failed(.brokenPeer(tls), now: start) == Decision(next: .fail(tls)))
        // A write broken after its request left is not sent again.
        let garbled = EtcdError(.connectionFailed, message: "the server broke the HTTP/2 protocol")
        var write = machine(.ifNotSent)
        guard case .fail(let error) = write.failed(.brokenPeer(garbled), now: start).next else {
            Issue.record("expected the write to give up")
            return
        }
        #expect(error.code == .outcomeUnknown)
    }

    @Test("any other error is the caller's at once")
    func otherErrors() {
        for code in [EtcdError.Code.emptyKey, .permissionDenied, .compacted, .authenticationFailed, .cancelled] {
            let error = EtcdError(code, message: "m")
            var retrier = machine(.idempotent, authenticates: true)
            #expect(retrier.failed(.status(error), now: start) == Decision(next: .fail(error)))
        }
    }

    @Test("a call pinned to one member fails where it would move on, and still re-authenticates and waits out overload")
    func pinnedToOneMember() {
        let noLeader = EtcdError(.noLeader, message: "etcdserver: no leader")
        var pinned = Machine(
            kind: .idempotent,
            timeout: .seconds(5),
            endpointCount: 3,
            authenticates: true,
            pinned: true,
            now: start
        )
        #expect(pinned.attemptTimeout(now: start) == .seconds(5), "no time is kept for another member")
        #expect(pinned.failed(.connection(refused), now: start).next == .fail(refused))
        #expect(pinned.failed(.status(noLeader), now: start).next == .fail(noLeader))
        let expired = EtcdError(.invalidAuthToken, message: "etcdserver: invalid auth token")
        #expect(pinned.failed(.status(expired), now: start).next == .reauthenticate)
        let busy = EtcdError(.tooManyRequests, message: "etcdserver: too many requests")
        guard case .retry = pinned.failed(.status(busy), now: start).next else {
            Issue.record("an overloaded member is asked again after a pause")
            return
        }
        // The same failures on an unpinned call move on to the next member.
        var free = machine(.idempotent)
        #expect(free.failed(.connection(refused), now: start).next == .retry(after: .zero))
    }
}
