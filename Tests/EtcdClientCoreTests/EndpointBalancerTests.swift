import Testing

@testable import EtcdClientCore

/// A generator that always returns the largest value, so a backoff delay equals its ceiling.
private struct CeilingGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { .max }
}

@Suite("Endpoint balancer")
struct EndpointBalancerTests {
    @Test("a failure moves to the next endpoint, wrapping around")
    func rotates() {
        var balancer = EndpointBalancer(count: 3)
        var generator = CeilingGenerator()
        #expect(balancer.index == 0)
        _ = balancer.connectionFailed(using: &generator)
        #expect(balancer.index == 1)
        _ = balancer.connectionFailed(using: &generator)
        #expect(balancer.index == 2)
        _ = balancer.connectionFailed(using: &generator)
        #expect(balancer.index == 0)
    }

    @Test("no wait while some endpoint has not failed; a growing, capped wait once all have")
    func backsOffOnlyWhenAllFailed() {
        var balancer = EndpointBalancer(
            count: 2,
            backoff: ReconnectBackoff(initial: .milliseconds(100), maximum: .milliseconds(300))
        )
        var generator = CeilingGenerator()
        #expect(balancer.connectionFailed(using: &generator) == .zero)
        let waits = (0..<4).map { _ in balancer.connectionFailed(using: &generator) }
        #expect(waits.allSatisfy { $0 > .zero })
        #expect(waits[1] >= waits[0])
        #expect(waits.allSatisfy { $0 <= .milliseconds(300) })
    }

    @Test("a success resets the failures and the backoff")
    func successResets() {
        var balancer = EndpointBalancer(
            count: 1,
            backoff: ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        )
        var generator = CeilingGenerator()
        _ = balancer.connectionFailed(using: &generator)
        _ = balancer.connectionFailed(using: &generator)
        #expect(balancer.consecutiveFailures == 2)
        balancer.succeeded()
        #expect(balancer.consecutiveFailures == 0)
        #expect(balancer.connectionFailed(using: &generator) <= .milliseconds(100))
    }

    @Test("a new endpoint list keeps the client on its endpoint's new position, or starts from the first")
    func endpointsChanged() {
        var balancer = EndpointBalancer(count: 3)
        var generator = CeilingGenerator()
        _ = balancer.connectionFailed(using: &generator)
        balancer.endpointsChanged(count: 5, current: 3)
        #expect(balancer.count == 5)
        #expect(balancer.index == 3)
        _ = balancer.connectionFailed(using: &generator)
        #expect(balancer.index == 4)
        balancer.endpointsChanged(count: 2, current: nil)
        #expect(balancer.index == 0)
        #expect(balancer.count == 2)
    }

    @Test("a shorter list caps the failures counted, so the next failure on it backs off only once all failed")
    func endpointsChangedCapsFailures() {
        var balancer = EndpointBalancer(count: 4)
        var generator = CeilingGenerator()
        for _ in 0..<3 { #expect(balancer.connectionFailed(using: &generator) == .zero) }
        balancer.endpointsChanged(count: 2, current: nil)
        #expect(balancer.consecutiveFailures == 1)
        #expect(balancer.connectionFailed(using: &generator) > .zero)
        balancer.endpointsChanged(count: 6, current: nil)
        #expect(balancer.connectionFailed(using: &generator) == .zero)
    }
}

@Suite("Leaderless stream rule")
struct LeaderlessStreamRuleTests {
    @Test("one endpoint: gives up once it has said 'no leader' for the grace period")
    func oneEndpoint() {
        var rule = LeaderlessStreamRule()
        let start = ContinuousClock.now
        let verdicts = [Duration.zero, .milliseconds(999), LeaderlessStreamRule.grace].map {
            rule.noLeader(at: "a", endpointCount: 1, now: start + $0)
        }
        #expect(verdicts == [false, false, true])
    }

    @Test("several endpoints: goes on while one has not said it; an answer starts over")
    func severalEndpoints() {
        var rule = LeaderlessStreamRule()
        let start = ContinuousClock.now
        var verdicts = [
            rule.noLeader(at: "a", endpointCount: 2, now: start),
            rule.noLeader(at: "a", endpointCount: 2, now: start + .seconds(5)),  // b was not asked yet
        ]
        rule.answered()
        verdicts += [
            rule.noLeader(at: "b", endpointCount: 2, now: start + .seconds(6)),
            rule.noLeader(at: "a", endpointCount: 2, now: start + .milliseconds(6_500)),
            rule.noLeader(at: "b", endpointCount: 2, now: start + .seconds(7)),
        ]
        #expect(verdicts == [false, false, false, false, true])
    }
}
