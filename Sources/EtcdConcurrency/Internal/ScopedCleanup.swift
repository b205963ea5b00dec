/// The one place for "run the work, then release, resign or close, whatever happened to it": the cleanup runs
/// even when the calling task is cancelled (a cancelled task's own calls would fail at once), and within a short
/// deadline of its own rather than the default call timeout, so that a cancelled caller is not held for long.
enum ScopedCleanup {
    /// How long a cleanup may take before it is cancelled: what it leaves (a lease to expire, a release to settle)
    /// ends by itself.
    static let deadline = Duration.seconds(5)

    /// Runs `body`, then `cleanup` whether `body` returned or threw.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws; errors of `cleanup` are dropped.
    static func run<Result: Sendable>(
        _ body: () async throws -> Result,
        thenCleanUp cleanup: @escaping @Sendable () async throws -> Void
    ) async throws -> Result {
        let result: Result
        do {
            result = try await body()
        } catch {
            await uncancellable(cleanup)
            throw error
        }
        await uncancellable(cleanup)
        return result
    }

    /// Runs `cleanup` whatever the calling task's state, and cancels it after ``deadline``.
    static func uncancellable(_ cleanup: @escaping @Sendable () async throws -> Void) async {
        let work = Task { try await cleanup() }
        let timer = Task {
            try await Task.sleep(for: deadline)
            work.cancel()
        }
        _ = await work.result
        timer.cancel()
    }
}
