/// The iterator behind the package's public sequences (watch responses, lease heartbeats, leader changes): it
/// reads an `AsyncThrowingStream`, and a consumer whose task is cancelled gets `CancellationError`, never the
/// end of the sequence.
///
/// An `AsyncThrowingStream` ends with `nil` when its consumer's task is cancelled, which a `for try await`
/// loop cannot tell from the stream's own end: a watch or keep-alive body would return as if the stream had
/// finished. Here that `nil` is checked against the task.
package struct EtcdStreamIterator<Element: Sendable> {
    private var base: AsyncThrowingStream<Element, any Error>.AsyncIterator

    /// An iterator of `stream`.
    package init(_ stream: AsyncThrowingStream<Element, any Error>) {
        base = stream.makeAsyncIterator()
    }

    /// The next element; `nil` when the stream ended.
    ///
    /// - Throws: what the stream ends with; `CancellationError` when the calling task is cancelled.
    package mutating func next() async throws -> Element? {
        guard let element = try await base.next() else {
            try Task.checkCancellation()
            return nil
        }
        return element
    }
}
