/// Which endpoint to connect to next, and how long to wait first: a pure state machine.
///
/// The client talks to one endpoint at a time. When its connection fails (refused, lost, keepalive timeout,
/// GOAWAY) the next endpoint in the list is tried. Once every endpoint has failed in a row, each further
/// attempt waits a capped, jittered backoff, so a client whose cluster is down does not spin. A successful
/// call resets it.
struct EndpointBalancer {
    /// The number of endpoints.
    private(set) var count: Int
    /// The endpoint to use.
    private(set) var index = 0
    /// Connection failures since the last success.
    private(set) var consecutiveFailures = 0
    private var backoff: ReconnectBackoff

    init(count: Int, backoff: ReconnectBackoff = ReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(2))) {
        self.count = max(count, 1)
        self.backoff = backoff
    }

    /// The connection to the current endpoint failed: moves to the next one.
    ///
    /// - Returns: how long to wait before connecting to it; zero while some endpoint has not failed yet.
    mutating func connectionFailed<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        consecutiveFailures += 1
        index = (index + 1) % count
        return consecutiveFailures >= count ? backoff.nextDelay(using: &generator) : .zero
    }

    /// The connection to the current endpoint failed, with the system's random numbers.
    mutating func connectionFailed() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return connectionFailed(using: &generator)
    }

    /// The endpoint list was replaced by one of `count` endpoints. The client stays on `current`, the position of
    /// its endpoint in the new list, or starts from the first when its endpoint is gone. Failures counted
    /// against the old list are kept, capped below the new count, so a list change alone never skips a backoff
    /// but never forces one either.
    mutating func endpointsChanged(count: Int, current: Int?) {
        self.count = max(count, 1)
        index = current ?? 0
        consecutiveFailures = min(consecutiveFailures, self.count - 1)
    }

    /// A call succeeded on the current endpoint.
    mutating func succeeded() {
        consecutiveFailures = 0
        backoff.reset()
    }
}
