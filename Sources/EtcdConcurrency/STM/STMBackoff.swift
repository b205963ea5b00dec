/// The pause between STM attempts: random up to a ceiling that doubles from 1 ms to 64 ms, so that contenders
/// that conflicted once do not conflict again in lock step.
struct STMBackoff {
    private var ceiling = Duration.milliseconds(1)
    private static let maximum = Duration.milliseconds(64)

    /// The next pause.
    mutating func next() -> Duration {
        let pause = ceiling * Double.random(in: 0...1)
        ceiling = min(ceiling * 2, Self.maximum)
        return pause
    }
}
