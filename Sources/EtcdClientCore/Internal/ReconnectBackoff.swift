/// Capped, jittered exponential backoff for re-opening streams and reconnecting.
///
/// Each failure doubles the delay from ``initial`` up to ``maximum``; the delay used is drawn uniformly
/// from its upper half, so that many clients do not retry in step. A success resets it.
struct ReconnectBackoff {
    /// The first delay.
    let initial: Duration
    /// The largest delay.
    let maximum: Duration
    private var current: Duration

    init(initial: Duration = .milliseconds(25), maximum: Duration = .seconds(2)) {
        self.initial = min(initial, maximum)
        self.maximum = maximum
        self.current = self.initial
    }

    /// The delay before the next attempt, and the one after that doubled.
    mutating func nextDelay<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        let ceiling = current
        current = min(current * 2, maximum)
        let fraction = Double.random(in: 0.5...1.0, using: &generator)
        return ceiling * fraction
    }

    /// The delay before the next attempt, with the system's random numbers.
    mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// Back to the first delay, after a success.
    mutating func reset() {
        current = initial
    }
}
