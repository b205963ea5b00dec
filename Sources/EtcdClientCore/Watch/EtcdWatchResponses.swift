/// The responses of one watch, in revision order: an `AsyncSequence` that lives inside
/// ``EtcdClient/watch(_:isolation:_:)``'s closure.
///
/// Iterating throws ``EtcdError`` when the watch ends for a reason other than leaving the closure:
/// ``EtcdError/Code/compacted`` (with ``EtcdError/compactRevision``) when the start revision is gone,
/// ``EtcdError/Code/watchConsumerTooSlow`` when the consumer falls behind by more than the buffer,
/// ``EtcdError/Code/clientClosed`` when the client is closed, or the server's reason for cancelling it.
/// Connection faults do not end it: the watch resumes after the last revision it delivered.
public struct EtcdWatchResponses: AsyncSequence, Sendable {
    /// One response per revision batch, or a progress notification.
    public typealias Element = EtcdWatchResponse

    private let responses: AsyncThrowingStream<EtcdWatchResponse, any Error>
    private let hub: EtcdWatchHub
    /// The store revision when the server created the watch: a watch from "now" reports changes after it.
    public let createdRevision: Int64

    /// The namespace whose prefix comes off the keys of the events, if any.
    private let namespace: KeyNamespace?

    init(
        responses: AsyncThrowingStream<EtcdWatchResponse, any Error>,
        hub: EtcdWatchHub,
        createdRevision: Int64,
        namespace: KeyNamespace?
    ) {
        self.responses = responses
        self.hub = hub
        self.createdRevision = createdRevision
        self.namespace = namespace
    }

    /// Asks the server for a progress notification: a response without events carrying the server's revision
    /// when it answered; every change up to that revision has been delivered before it.
    ///
    /// etcd before 3.4.25 and 3.5.8 answers at once with its current revision, even while a watch is still
    /// catching up on history (or replaying a write that came while etcd created it), and can send the answer
    /// ahead of the events of a write it is committing. So the client keeps one request in flight per stream,
    /// delivers an answer only once the answer to a request sent after it arrived comes back, and delivers it only
    /// to a watch known to be caught up: one that got a progress notification of its own, or delivered an event at
    /// or after the revision at which it was created, or else got no event for 300 ms (etcd's sync loop runs
    /// every 100 ms). A watch that was not caught up when an answer came asks again once it is, and an ask lost
    /// with a broken connection is made again on the next, so the answer comes late rather than early. On those
    /// versions some cases are still not covered: a sync pass slower than 300 ms (a watch far in the past on a
    /// large store), and events etcd held back because the stream's buffer was full.
    public func requestProgress() {
        hub.requestProgress()
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: EtcdStreamIterator(responses), namespace: namespace)
    }

    /// Iterates the responses.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: EtcdStreamIterator<EtcdWatchResponse>
        let namespace: KeyNamespace?

        /// The next response, or `nil` after the watch ended because its closure is being left.
        ///
        /// - Throws: why the watch ended (see ``EtcdWatchResponses``); `CancellationError` when the task is
        ///   cancelled.
        public mutating func next() async throws -> EtcdWatchResponse? {
            guard let response = try await base.next() else { return nil }
            return namespace?.stripped(response) ?? response
        }
    }
}
