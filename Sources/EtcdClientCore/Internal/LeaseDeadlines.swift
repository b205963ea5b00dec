import _EtcdTransport

/// When the server expires each lease this client granted or renewed, without a further renewal: so that a
/// keep-alive started while no member answers still knows when the lease is gone.
///
/// Entries are added by grants, renewals and TTL queries, removed by revocations, and dropped once past; at most
/// ``capacity`` are kept (the earliest deadlines go first), so memory does not grow with the leases ever granted.
final class LeaseDeadlines: Sendable {
    /// The most leases remembered.
    static let capacity = 16_384

    private let deadlines = LockedValue<[EtcdLeaseID: ContinuousClock.Instant]>([:])

    /// The lease's deadline, if known and not yet past.
    func deadline(of lease: EtcdLeaseID) -> ContinuousClock.Instant? {
        deadlines.withLock { $0[lease] }.flatMap { $0 > .now ? $0 : nil }
    }

    /// The server reported `ttl` left for `lease` just now.
    func record(_ lease: EtcdLeaseID, ttl: Duration) {
        let now = ContinuousClock.now
        deadlines.withLock { deadlines in
            guard ttl > .zero else {
                deadlines[lease] = nil
                return
            }
            deadlines[lease] = now + ttl
            if deadlines.count > Self.capacity {
                deadlines = deadlines.filter { $0.value > now }
                while deadlines.count > Self.capacity, let earliest = deadlines.min(by: { $0.value < $1.value }) {
                    deadlines[earliest.key] = nil
                }
            }
        }
    }

    /// The lease was revoked.
    func forget(_ lease: EtcdLeaseID) {
        _ = deadlines.withLock { $0.removeValue(forKey: lease) }
    }
}
