import EtcdTesting
import Testing
import _EtcdTestSupport

@testable import EtcdClientCore

/// Always all ones, which draws the top of a `Double` range: the delay is then exactly its ceiling.
///
/// (A generator stuck at zero must not be used: `Double.random(in:)` rejects its draws forever.)
private struct TopGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { .max }
}

/// The ceilings of the default backoff: 25 ms doubling up to 2 s.
private let defaultCeilings: [Duration] = [25, 50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000]
    .map { Duration.milliseconds($0) }

private func isClose(_ lhs: Duration, _ rhs: Duration) -> Bool {
    let difference = lhs - rhs
    return difference < .nanoseconds(1) && difference > .nanoseconds(-1)
}

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    @Test("the defaults are 25 ms doubling up to 2 s")
    func defaults() {
        let backoff = ReconnectBackoff()
        #expect(backoff.initial == .milliseconds(25))
        #expect(backoff.maximum == .seconds(2))
    }

    @Test("every delay lies in the upper half of its ceiling")
    func delaysWithinUpperHalf() {
        for seed: UInt64 in [1, 2, 42, 0xDEAD_BEEF] {
            var generator = SplitMix64(seed: seed)
            var backoff = ReconnectBackoff()
            for ceiling in defaultCeilings {
                let delay = backoff.nextDelay(using: &generator)
                #expect(delay >= ceiling / 2, "seed \(seed): \(delay) below half of \(ceiling)")
                #expect(delay <= ceiling, "seed \(seed): \(delay) above \(ceiling)")
            }
        }
    }

    @Test("the top draw gives the ceiling: it doubles from the initial delay to the maximum and stays there")
    func ceilingsDoubleThenCap() {
        var generator = TopGenerator()
        var backoff = ReconnectBackoff()
        let delays = defaultCeilings.map { _ in backoff.nextDelay(using: &generator) }
        #expect(zip(delays, defaultCeilings).allSatisfy(isClose), "\(delays)")
    }

    @Test("the draws spread over the whole upper half of the ceiling")
    func drawsSpreadOverUpperHalf() {
        var generator = SplitMix64(seed: 99)
        let delays = (0..<1_000).map { _ in
            var backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(1))
            return backoff.nextDelay(using: &generator)
        }
        #expect(delays.allSatisfy { $0 >= .milliseconds(500) && $0 <= .seconds(1) })
        #expect(delays.min()! < .milliseconds(510))
        #expect(delays.max()! > .milliseconds(990))
    }

    @Test("custom bounds: the ceiling doubles from initial and stops at maximum even between doublings")
    func customBounds() {
        var generator = TopGenerator()
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .milliseconds(350))
        var delays: [Duration] = []
        for _ in 0..<5 { delays.append(backoff.nextDelay(using: &generator)) }
        let expected: [Duration] = [100, 200, 350, 350, 350].map { .milliseconds($0) }
        #expect(zip(delays, expected).allSatisfy(isClose), "\(delays)")
    }

    @Test("reset returns to the initial delay")
    func resetReturnsToInitial() {
        var generator = TopGenerator()
        var backoff = ReconnectBackoff()
        for _ in 0..<12 { _ = backoff.nextDelay(using: &generator) }
        backoff.reset()
        #expect(isClose(backoff.nextDelay(using: &generator), .milliseconds(25)))
        #expect(isClose(backoff.nextDelay(using: &generator), .milliseconds(50)))
    }

    @Test("the system generator's delays also stay within the bounds")
    func systemGeneratorWithinBounds() {
        var backoff = ReconnectBackoff()
        for ceiling in defaultCeilings {
            let delay = backoff.nextDelay()
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }
}
