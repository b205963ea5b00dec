import EtcdClientCore

/// Runs work that must stop when a session ends.
enum SessionGuard {
    private enum Outcome<Result: Sendable>: Sendable {
        case finished(Result)
        case sessionEnded(EtcdError)
    }

    /// Runs `body`; if `session` ends first, cancels `body`, waits for it to return, and throws why the
    /// session ended.
    static func run<Result: Sendable>(
        while session: EtcdSession,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        if let failure = session.failure { throw failure }
        return try await withThrowingTaskGroup(of: Outcome<Result>.self) { group in
            group.addTask { .finished(try await body()) }
            group.addTask { .sessionEnded(try await session.waitUntilEnded()) }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            switch first {
            case .finished(let result):
                return result
            case .sessionEnded(let error):
                // Let the body see its cancellation and finish before reporting why.
                while (try? await group.next()) != nil {}
                throw error
            }
        }
    }
}
