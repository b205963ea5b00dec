import Testing

@testable import _EtcdTransport

private typealias Policy = HTTP2ConnectionPolicy
private typealias Action = HTTP2ConnectionPolicy.Action

private let millisecond: Int64 = 1_000_000
private let second: Int64 = 1_000 * millisecond

/// A policy with a 2 s connect timeout, keepalive off unless given, whose server has spoken at time 0.
private func speakingPolicy(keepaliveInterval: Int64? = nil, keepaliveTimeout: Int64 = 5 * second) -> Policy {
    var policy = Policy(
        settings: .init(
            connectTimeout: 2 * second,
            keepaliveInterval: keepaliveInterval,
            keepaliveTimeout: keepaliveTimeout
        )
    )
    policy.connecting(now: 0)
    policy.serverSettingsReceived()
    return policy
}

extension Policy {
    /// Starts a unary call at `now` whose request goes out at once.
    fileprivate mutating func startUnary(_ id: UInt64, timeout: Int64?, now: Int64) {
        callQueued(id, kind: .unary, deadline: timeout.map { now + $0 } ?? .max, timeout: timeout, held: false)
        requestSent(id, now: now)
    }
}

@Suite("HTTP/2 connection policy")
struct HTTP2ConnectionPolicyTests {
    @Test("calls are held until the server's SETTINGS, which must come within the connect timeout")
    func settingsDeadline() {
        var policy = Policy(
            settings: .init(connectTimeout: 2 * second, keepaliveInterval: nil, keepaliveTimeout: second)
        )
        policy.connecting(now: 0)
        #expect(policy.holdsCalls)
        #expect(policy.tick(now: second) == [])
        #expect(policy.nextWake == 2 * second)
        #expect(
            policy.tick(now: 2 * second) == [
                .fail(
                    .connectFailed,
                    detail: "the server sent nothing within the connect timeout",
                    requestNotSent: true
                )
            ]
        )
        var spoken = Policy(
            settings: .init(connectTimeout: 2 * second, keepaliveInterval: nil, keepaliveTimeout: second)
        )
        spoken.connecting(now: 0)
        spoken.serverSettingsReceived()
        #expect(!spoken.holdsCalls)
        #expect(spoken.tick(now: 3 * second) == [])
    }

    @Test("a held call whose deadline passes expires as held (nothing sent)")
    func heldExpiry() {
        var policy = Policy(
            settings: .init(connectTimeout: 5 * second, keepaliveInterval: nil, keepaliveTimeout: second)
        )
        policy.connecting(now: 0)
        policy.callQueued(7, kind: .unary, deadline: 100 * millisecond, timeout: 100 * millisecond, held: true)
        #expect(policy.nextWake == 100 * millisecond)
        #expect(policy.tick(now: 100 * millisecond) == [.expire(callID: 7, held: true, silent: false)])
        #expect(policy.tick(now: 200 * millisecond) == [], "an expired call is expired once")
    }

    @Test("a deadline on a connection that answered something since the request is an ordinary expiry")
    func ordinaryExpiry() {
        var policy = speakingPolicy()
        policy.startUnary(1, timeout: 10 * second, now: 0)
        policy.received(now: 3 * second)
        // Probes come due a quarter-timeout (capped at 2 s) after the last bytes; the ping is allowed at once.
        #expect(policy.tick(now: 5 * second + 1) == [.sendPing])
        policy.pingAcknowledged()
        policy.received(now: 5 * second + 2)
        policy.received(now: 9 * second)
        #expect(policy.tick(now: 10 * second) == [.expire(callID: 1, held: false, silent: false)])
        #expect(!policy.stoppedTakingCalls)
    }

    @Test("a deadline on a connection silent since the request stops new calls and sends a probe")
    func silentExpiry() {
        var policy = speakingPolicy()
        policy.startUnary(1, timeout: 100 * millisecond, now: 0)
        // The probe delay (250 ms at least) comes after this short deadline.
        #expect(
            policy.tick(now: 100 * millisecond) == [
                .expire(callID: 1, held: false, silent: true),
                .stopTakingCalls(detail: "the server sent nothing after a request until its deadline"),
                .sendPing,
            ]
        )
        #expect(policy.stoppedTakingCalls)
        // No acknowledgement within the probe timeout (500 ms at least): the connection has failed.
        #expect(policy.tick(now: 599 * millisecond) == [])
        let failed = policy.tick(now: 600 * millisecond)
        #expect(failed.count == 1)
        guard case .fail(.keepaliveTimeout, _, requestNotSent: false)? = failed.first else {
            Issue.record("expected a failure, got \(failed)")
            return
        }
    }

    @Test("a unary call unanswered on a silent connection is probed before its deadline; an ack keeps it")
    func probeBeforeDeadline() {
        var policy = speakingPolicy()
        policy.startUnary(1, timeout: 4 * second, now: 0)
        // A quarter of 4 s: the probe is due at 1 s.
        #expect(policy.nextWake == 1 * second)
        #expect(policy.tick(now: 999 * millisecond) == [])
        #expect(policy.tick(now: 1 * second) == [.sendPing])
        policy.pingAcknowledged()
        policy.received(now: 1_010 * millisecond)
        // Alive: nothing more until the next probe, which waits for the minimum ping interval (5 s).
        #expect(policy.tick(now: 3 * second) == [])
        #expect(policy.tick(now: 4 * second) == [.expire(callID: 1, held: false, silent: false)])
    }

    @Test("an unacknowledged probe fails the connection within the call's deadline")
    func probeFails() {
        var policy = speakingPolicy()
        policy.startUnary(1, timeout: 4 * second, now: 0)
        #expect(policy.tick(now: 1 * second) == [.sendPing])
        // The probe timeout is the probe delay (1 s).
        #expect(policy.nextWake == 2 * second)
        let actions = policy.tick(now: 2 * second)
        guard case .fail(.keepaliveTimeout, _, requestNotSent: false)? = actions.first else {
            Issue.record("expected a failure, got \(actions)")
            return
        }
    }

    @Test("probes never come more often than the minimum ping interval")
    func probeRateLimit() {
        var policy = speakingPolicy()
        policy.startUnary(1, timeout: nil, now: 0)
        #expect(policy.tick(now: 2 * second) == [.sendPing])
        policy.pingAcknowledged()
        policy.received(now: 2 * second)
        // Silent again for 2 s at 4 s, but the last ping was at 2 s: the next one waits until 7 s.
        #expect(policy.tick(now: 4 * second) == [])
        #expect(policy.nextWake == 7 * second)
        #expect(policy.tick(now: 7 * second) == [.sendPing])
    }

    @Test("streams are not probed: a quiet watch is normal")
    func streamsNotProbed() {
        var policy = speakingPolicy()
        policy.callQueued(1, kind: .stream, deadline: .max, timeout: nil, held: false)
        policy.requestSent(1, now: 0)
        #expect(policy.tick(now: 60 * second) == [])
        #expect(policy.nextWake == nil)
    }

    @Test("keepalive: a PING after the interval of silence while calls are open; none while idle")
    func keepalive() {
        var policy = speakingPolicy(keepaliveInterval: 10 * second, keepaliveTimeout: 5 * second)
        #expect(policy.tick(now: 20 * second) == [], "no calls, no pings")
        policy.callQueued(1, kind: .stream, deadline: .max, timeout: nil, held: false)
        policy.requestSent(1, now: 20 * second)
        policy.received(now: 20 * second)
        #expect(policy.tick(now: 25 * second) == [])
        #expect(policy.nextWake == 30 * second)
        #expect(policy.tick(now: 30 * second) == [.sendPing])
        policy.pingAcknowledged()
        policy.received(now: 30 * second)
        #expect(policy.tick(now: 40 * second) == [.sendPing])
        #expect(policy.tick(now: 44 * second) == [])
        let actions = policy.tick(now: 45 * second)
        #expect(actions == [.fail(.keepaliveTimeout, detail: "no PING acknowledgement", requestNotSent: false)])
    }

    @Test("a connection lost before the server's SETTINGS carried no request; after, it may have")
    func lostConnection() {
        var policy = Policy(settings: .init(connectTimeout: second, keepaliveInterval: nil, keepaliveTimeout: second))
        policy.connecting(now: 0)
        let early = policy.lostConnection(endpoint: "e:1", detail: nil, isTLSFailure: false, usesTLS: false)
        #expect(early.requestNotSent && early.reason == .connectionLost)
        #expect(early.detail.contains("does it expect TLS?"))
        let tls = policy.lostConnection(endpoint: "e:1", detail: "bad certificate", isTLSFailure: true, usesTLS: true)
        #expect(tls.requestNotSent && tls.reason == .tlsFailed && tls.detail == "bad certificate")
        policy.serverSettingsReceived()
        let late = policy.lostConnection(endpoint: "e:1", detail: "reset", isTLSFailure: false, usesTLS: false)
        #expect(!late.requestNotSent && late.reason == .connectionLost && late.detail == "reset")
    }

    @Test("probe delays: a quarter of the timeout, from 250 ms to 2 s")
    func probeDelays() {
        #expect(Policy.probeDelay(timeout: 100 * millisecond) == 250 * millisecond)
        #expect(Policy.probeDelay(timeout: 4 * second) == second)
        #expect(Policy.probeDelay(timeout: 30 * second) == 2 * second)
        #expect(Policy.probeDelay(timeout: nil) == 2 * second)
    }
}
