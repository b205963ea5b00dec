/// The pause before the next STM attempt. The first retries go at once (like Go's, and cheap: a failed commit
/// already read the keys back); after that, contenders that keep conflicting pause a random time below a ceiling
/// that doubles from 1 ms to 8 ms, so that they stop retrying in lock step without starving behind newcomers.
struct STMBackoff {
    /// The retries that go at once.
    static let immediateRetries = 3
    private static let maximum = Duration.milliseconds(8)
    private var retries = 0
    private var ceiling = Duration.milliseconds(1)

    /// The next pause.
    mutating func next() -> Duration {
        retries += 1
        guard retries > Self.immediateRetries else { return .zero }
        let pause = ceiling * Double.random(in: 0...1)
        ceiling = min(ceiling * 2, Self.maximum)
        return pause
    }
}
