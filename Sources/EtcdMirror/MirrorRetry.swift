import EtcdClientCore

/// How the mirrors ride out failures: which errors a later try may not meet, and the growing pause before it.
struct MirrorRetry {
    /// The pause before the first try after a failure.
    static let first = Duration.milliseconds(100)
    /// The longest pause between tries.
    static let maximum = Duration.seconds(2)

    private(set) var pause = MirrorRetry.first

    /// Whether a later try may succeed where this one failed with `error`.
    static func isTransient(_ error: EtcdError) -> Bool {
        let transient: Set<EtcdError.Code> = [
            .connectionFailed, .unavailable, .noLeader, .notLeader, .leaderChanged, .serverTimeout,
            .deadlineExceeded, .outcomeUnknown, .tooManyRequests, .serverStopped, .unhealthy, .watchCancelled,
            .staleRead, .tlsFailed,
        ]
        return transient.contains(error.code)
    }

    /// Waits before the next try, and doubles the pause up to ``maximum``.
    ///
    /// - Throws: `CancellationError`.
    mutating func wait() async throws {
        try await Task.sleep(for: pause)
        pause = min(pause * 2, Self.maximum)
    }

    /// A try got through: the next failure starts from the first pause again.
    mutating func reset() {
        pause = Self.first
    }
}
