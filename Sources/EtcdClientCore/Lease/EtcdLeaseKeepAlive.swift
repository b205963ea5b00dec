/// A lease being kept alive inside ``EtcdClient/keepAlive(_:requiresLeader:isolation:_:)``.
///
/// Read ``remainingTTL`` at any time for the latest TTL the server reported (a value, not a queue), or
/// iterate ``heartbeats`` to follow renewals. When the lease is lost, ``failure`` says why and iterating
/// ``heartbeats`` throws it: ``EtcdError/Code/leaseExpired``, ``EtcdError/Code/leaseRevoked``,
/// ``EtcdError/Code/leaseNotFound`` or ``EtcdError/Code/clientClosed``. Keep-alive never stops silently.
public struct EtcdLeaseKeepAlive: Sendable {
    /// The lease.
    public let lease: EtcdLeaseID
    let registration: Int64
    let hub: EtcdLeaseKeepAliveHub
    /// The renewals, newest only: a slow reader skips older heartbeats rather than queue them.
    public let heartbeats: EtcdLeaseHeartbeats

    /// The TTL the server reported at the last renewal, or `nil` before the first one or after the lease is lost.
    public var remainingTTL: Duration? {
        hub.latestHeartbeat(registration)?.ttl
    }

    /// The last acknowledged renewal, or `nil` before the first one or after the lease is lost.
    public var lastHeartbeat: EtcdLeaseHeartbeat? {
        hub.latestHeartbeat(registration)
    }

    /// Why keep-alive ended, once it has; `nil` while the lease is kept alive.
    public var failure: EtcdError? {
        hub.failure(registration)
    }
}

/// The renewals of a kept-alive lease: an `AsyncSequence` that holds only the newest one, and throws why the
/// lease was lost.
public struct EtcdLeaseHeartbeats: AsyncSequence, Sendable {
    /// A renewal.
    public typealias Element = EtcdLeaseHeartbeat

    let base: AsyncThrowingStream<EtcdLeaseHeartbeat, any Error>

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: EtcdStreamIterator(base))
    }

    /// Iterates the renewals.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: EtcdStreamIterator<EtcdLeaseHeartbeat>

        /// The next renewal; `nil` once the scope is left.
        ///
        /// - Throws: ``EtcdError`` when the lease is lost; `CancellationError` when the task is cancelled.
        public mutating func next() async throws -> EtcdLeaseHeartbeat? {
            try await base.next()
        }
    }
}
