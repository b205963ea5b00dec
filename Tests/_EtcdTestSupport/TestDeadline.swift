/// `body` did not finish within the limit given to ``withTestDeadline(_:_:_:)``.
package struct TestDeadlineExceeded: Error, CustomStringConvertible {
    /// What was waited for, and for how long.
    package let description: String
}

/// Runs `body` and returns what it returns, or cancels it and throws ``TestDeadlineExceeded`` after `limit`: a
/// test that waits for something that should happen fails instead of hanging.
package func withTestDeadline<Result: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw TestDeadlineExceeded(description: "\(what) took longer than \(limit)")
        }
        return result
    }
}
