import EtcdClientCore
import _EtcdTransport

/// A barrier that `count` participants enter together and leave together. Compatible with the Go recipe
/// (`contrib/recipes.DoubleBarrier`): each participant writes `name/waiters/<nanoseconds>`, attached to its session's
/// lease, and the last to enter writes `name/ready`.
///
/// Entering returns once `count` participants have entered; leaving returns once every participant has left. A
/// participant whose session ends leaves by itself (its key goes with the lease), so the others are not stuck.
public final class EtcdDoubleBarrier: Sendable {
    /// The session whose lease holds our participant key.
    public let session: EtcdSession
    /// How many participants enter together.
    public let count: Int
    private let name: String
    /// Our participant key and its creation revision, between enter and leave.
    private let entered = LockedValue<(key: EtcdKey, revision: Int64)?>(nil)

    /// Creates a double barrier named `name` for `count` participants, entered through `session`.
    public init(session: EtcdSession, name: String, count: Int) {
        self.session = session
        self.name = name
        self.count = count
    }

    /// The prefix of the participants' keys: `name/waiters/`.
    public var waitersPrefix: EtcdKey { EtcdKey(name + "/waiters/") }

    /// The key the last participant to enter writes: `name/ready`.
    public var readyKey: EtcdKey { EtcdKey(name + "/ready") }

    /// Enters the barrier and waits until `count` participants have entered.
    ///
    /// A cancelled or failed wait takes our key out again.
    ///
    /// - Throws: `EtcdError.Code.tooManyParticipants` when `count` participants are already in (our key is taken
    ///   out again); `EtcdError` (`.sessionExpired`, ...); `CancellationError`.
    public func enter() async throws {
        if let failure = session.failure { throw failure }
        let client = session.client
        let (key, response) = try await UniqueRecipeKey.create(
            under: name + "/waiters",
            lease: session.lease,
            alsoReading: [.get(EtcdGetRequest(.prefix(waitersPrefix), output: .countOnly))],
            client: client
        )
        let revision = response.header.revision
        do {
            guard case .get(let participants) = response.responses.last else {
                throw EtcdError(.malformedResponse, message: "unexpected double barrier transaction response")
            }
            if participants.count > count {
                throw EtcdError(
                    .tooManyParticipants,
                    message: "\(participants.count) participants entered \(name), which is for \(count)"
                )
            }
            if participants.count == count {
                try await client.put(readyKey, value: "")
            } else {
                let readyKey = readyKey
                try await SessionGuard.run(while: session) {
                    try await RecipeWait.poll(client, watching: .key(readyKey), filter: .noDelete) {
                        // Ready written after we entered (a ready key left by an earlier round does not count).
                        try await client.get(readyKey).map { $0.modRevision > revision ? () : nil } ?? nil
                    }
                }
            }
        } catch {
            await ScopedCleanup.uncancellable { _ = try await client.delete(key) }
            throw error
        }
        entered.withLock { $0 = (key, revision) }
    }

    /// Leaves the barrier and waits until every participant has left.
    ///
    /// As in the Go recipe, the participant whose key is oldest leaves last: it waits for the others, each of which
    /// deletes its key and waits for the oldest; the last one out deletes the ready key. A leave that fails or is
    /// cancelled takes our key out before it throws, so that the others are not held until our lease expires.
    ///
    /// - Throws: `EtcdError.Code.notEntered` when this object did not enter; `EtcdError` (`.sessionExpired`, ...);
    ///   `CancellationError`.
    public func leave() async throws {
        guard let mine = entered.withLock({ $0 }) else {
            throw EtcdError(.notEntered, message: "leave() without enter() on double barrier \(name)")
        }
        let client = session.client
        let waitersPrefix = waitersPrefix
        let readyKey = readyKey
        do {
            try await SessionGuard.run(while: session) {
                try await Self.leave(mine.key, waitersPrefix: waitersPrefix, readyKey: readyKey, client: client)
            }
        } catch {
            // Out anyway, so that the others do not wait for our key until the session's lease expires.
            await ScopedCleanup.uncancellable { _ = try await client.delete(mine.key) }
            entered.withLock { $0 = nil }
            throw error
        }
        entered.withLock { $0 = nil }
    }

    /// The Go recipe's leave, for our key `mine`.
    private static func leave(
        _ mine: EtcdKey,
        waitersPrefix: EtcdKey,
        readyKey: EtcdKey,
        client: EtcdClient
    ) async throws {
        while true {
            let participants = try await client.get(.prefix(waitersPrefix), keysOnly: true).keyValues
            guard let lowest = participants.min(by: { $0.modRevision < $1.modRevision }),
                let highest = participants.max(by: { $0.modRevision < $1.modRevision })
            else { return }
            if lowest.key == mine {
                guard participants.count > 1 else {
                    // The last one out: finish the round.
                    _ = try await client.txn(if: [], then: [.delete(readyKey), .delete(mine)])
                    return
                }
                try await RecipeWait.untilDeleted(highest.key, client: client)
            } else {
                if participants.contains(where: { $0.key == mine }) { try await client.delete(mine) }
                try await RecipeWait.untilDeleted(lowest.key, client: client)
            }
        }
    }
}
