import EtcdClientCore
import _EtcdTransport

/// A lease kept alive for as long as a process holds locks or leadership through it.
///
/// Keys that a ``EtcdMutex`` or ``EtcdElection`` writes are attached to the session's lease, so they vanish
/// when the session ends: closed (the lease is revoked), lost (the lease expired or was revoked elsewhere),
/// or orphaned by a process that stopped without closing it (the lease expires after its TTL).
public final class EtcdSession: Sendable {
    private struct State {
        var failure: EtcdError?
        var waiters: [UInt64: CheckedContinuation<EtcdError?, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var keeper: Task<Void, Never>?
        var ended = false
    }

    /// The client the session uses.
    public let client: EtcdClient
    /// The session's lease.
    public let lease: EtcdLeaseID
    /// The lease's TTL as granted.
    public let ttl: Duration
    private let state = LockedValue(State())
    /// Keys of this session whose fenced release has an unknown outcome, with the creation revision it was fenced
    /// on; settled before the session writes the key again (see ``FencedRelease``).
    let unsettledReleases = LockedValue<[EtcdKey: Int64]>([:])

    private init(client: EtcdClient, lease: EtcdLeaseID, ttl: Duration) {
        self.client = client
        self.lease = lease
        self.ttl = ttl
    }

    /// Starts a session: grants a lease of `ttl` (or adopts `lease`) and keeps it alive.
    ///
    /// - Parameters:
    ///   - client: the client to use.
    ///   - ttl: the lease's TTL; defaults to 60 seconds, as the Go recipes. Ignored when adopting a lease.
    ///   - lease: an existing lease to adopt; `nil` (the default) grants a new one.
    /// - Throws: `EtcdError` (`.leaseNotFound` when adopting a lease that does not exist).
    public static func start(
        client: EtcdClient,
        ttl: Duration = .seconds(60),
        lease: EtcdLeaseID? = nil
    ) async throws -> EtcdSession {
        let session: EtcdSession
        if let lease {
            guard let granted = try await client.leaseTimeToLive(lease).remainingTTL else {
                throw EtcdError(.leaseNotFound, message: "lease \(lease) does not exist")
            }
            session = EtcdSession(client: client, lease: lease, ttl: max(granted, .seconds(1)))
        } else {
            let grant = try await client.grantLease(ttl: ttl)
            session = EtcdSession(client: client, lease: grant.id, ttl: grant.ttl)
        }
        session.startKeepAlive()
        return session
    }

    private func startKeepAlive() {
        let task = client.backgroundTasks.start { [self, client, lease] in
            do {
                try await client.keepAlive(lease) { keeper in
                    for try await _ in keeper.heartbeats {}
                }
                if !Task.isCancelled {
                    lost(EtcdError(.sessionExpired, message: "the keep-alive of lease \(lease) ended"))
                }
            } catch let error as EtcdError {
                let message = "session lease \(lease) lost: \(error.message)"
                lost(EtcdError(error.code == .clientClosed ? .clientClosed : .sessionExpired, message: message))
            } catch {
                // Cancelled: the session was closed or orphaned, or the client closed.
            }
        }
        guard let task else {
            lost(EtcdError(.clientClosed, message: "the client was closed"))
            return
        }
        state.withLock { $0.keeper = task }
    }

    private func lost(_ error: EtcdError) {
        let waiters = state.withLock { state -> [CheckedContinuation<EtcdError?, Never>] in
            guard state.failure == nil else { return [] }
            state.failure = error
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: error) }
    }

    /// Why the session ended, once it has; `nil` while it lives.
    public var failure: EtcdError? {
        state.withLock { $0.failure }
    }

    /// Whether the session lives: its lease is kept alive.
    public var isAlive: Bool { failure == nil }

    /// Waits until the session ends, and returns why (`EtcdError.Code.sessionExpired`,
    /// `EtcdError.Code.sessionClosed` or `EtcdError.Code.clientClosed`).
    ///
    /// - Throws: `CancellationError` when the task is cancelled first, whenever that happens.
    public func waitUntilEnded() async throws -> EtcdError {
        let token = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let error = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<EtcdError?, Never>) in
                let failure = state.withLock { state -> EtcdError?? in
                    if let failure = state.failure { return .some(failure) }
                    // Checked under the lock: a cancel that came before is seen here, one after finds the waiter.
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[token] = continuation
                    return .none
                }
                if let failure { continuation.resume(returning: failure) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: token) }?.resume(returning: nil)
        }
        guard let error else { throw CancellationError() }
        return error
    }

    /// Ends the session: stops the keep-alive and revokes the lease, which deletes every key held through it.
    ///
    /// - Throws: `EtcdError` if the revocation fails (the lease then expires after its TTL).
    public func close() async throws {
        guard stopKeepAlive(reason: EtcdError(.sessionClosed, message: "the session was closed")) else { return }
        do {
            try await client.revokeLease(lease)
        } catch let error as EtcdError where error.code == .leaseNotFound {
            // Already gone.
        }
    }

    /// Stops the keep-alive without revoking the lease, as a process that stops without closing would: the
    /// lease, and the keys held through it, expire after the TTL.
    public func orphan() {
        _ = stopKeepAlive(reason: EtcdError(.sessionClosed, message: "the session was orphaned"))
    }

    private func stopKeepAlive(reason: EtcdError) -> Bool {
        let keeper = state.withLock { state -> Task<Void, Never>?? in
            guard !state.ended else { return .none }
            state.ended = true
            return .some(state.keeper)
        }
        guard let keeper else { return false }
        keeper?.cancel()
        lost(reason)
        return true
    }
}
