import _EtcdTransport
import _EtcdWire

/// A client of an etcd v3 cluster.
///
/// Create one per cluster and share it: it is `Sendable`, and all calls made at once share one
/// HTTP/2 connection. Close it with ``close()`` when done, or use ``withEtcdClient(configuration:isolation:_:)``,
/// which closes it when its body ends.
public final class EtcdClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration
    let channel: EtcdChannel
    let watchHub: EtcdWatchHub
    let leaseKeeper: EtcdLeaseKeepAliveHub
    /// When each lease granted or renewed through this client expires without another renewal.
    let leaseDeadlines: LeaseDeadlines
    /// The newest revision seen, below which serializable reads are refused.
    let revisionFloor: RevisionFloor
    /// What the recipes keep per client (per view: their keys are the view's).
    package let attachments = EtcdClientAttachments()
    /// The key prefix of a namespaced view (see ``namespaced(_:)``); `nil` for the client itself.
    let namespace: KeyNamespace?
    /// The client this is a view of (kept alive by its views), or `nil` for a client that is not a view. Closing
    /// either closes both; a view released closes nothing.
    private let base: EtcdClient?
    /// Whether the client is open, closing or closed, and who waits for it to be closed; shared with its views.
    private let lifecycle: ClientLifecycle

    /// Creates a client. It connects on the first call.
    ///
    /// - Throws: ``EtcdError/Code/invalidConfiguration`` when the configuration cannot be used, such as a TLS
    ///   file that cannot be read or an `autoSyncInterval` that is not positive; the message names the field.
    public init(configuration: Configuration) throws {
        if let interval = configuration.autoSyncInterval, interval <= .zero {
            throw EtcdError(
                .invalidConfiguration,
                message: "autoSyncInterval: must be positive (nil turns endpoint sync off), got \(interval)",
                requestNotSent: true
            )
        }
        self.configuration = configuration
        self.namespace = nil
        self.base = nil
        self.lifecycle = ClientLifecycle()
        self.leaseDeadlines = LeaseDeadlines()
        self.revisionFloor = RevisionFloor()
        self.channel = try EtcdChannel(configuration: configuration)
        self.watchHub = EtcdWatchHub(channel: channel)
        self.leaseKeeper = EtcdLeaseKeepAliveHub(channel: channel, deadlines: leaseDeadlines)
        if let interval = configuration.autoSyncInterval {
            let client = WeakClient(self)
            channel.backgroundTasks.start {
                await Self.keepEndpointsSynced(every: interval) { client.client }
            }
        }
    }

    /// A view of `base` under `namespace`: the same connections, watches, keep-alives and lifecycle.
    private init(viewOf base: EtcdClient, namespace: KeyNamespace) {
        configuration = base.configuration
        channel = base.channel
        watchHub = base.watchHub
        leaseKeeper = base.leaseKeeper
        leaseDeadlines = base.leaseDeadlines
        revisionFloor = base.revisionFloor
        lifecycle = base.lifecycle
        self.namespace = namespace
        self.base = base.base ?? base
    }

    /// A view of this client under a key prefix, as Go's `clientv3/namespace`: every key, range and name given
    /// to the view gets `prefix` in front, and every key it returns (responses, previous values, watch events,
    /// lease keys) comes back without it. A range never leaves the prefix: ``EtcdKeyRange/all`` and
    /// ``EtcdKeyRange/from(_:)`` end where the prefix ends. Transactions (compares, nested transactions included)
    /// are rewritten the same way. Leases, cluster, maintenance and auth calls pass through unchanged.
    ///
    /// The view shares this client's connections, watch stream and keep-alives, so it costs nothing to make, and
    /// keeps the client alive while it is used; closing the view or the client closes both. The recipes (sessions, mutexes, elections, STM, queues,
    /// barriers, the mirror) work on a view unchanged, with their keys inside the prefix. A view of a view nests
    /// the prefixes.
    ///
    /// - Parameter prefix: the prefix; an empty one returns this client.
    public func namespaced(_ prefix: EtcdKey) -> EtcdClient {
        guard !prefix.bytes.isEmpty else { return self }
        return EtcdClient(viewOf: self, namespace: KeyNamespace(prefix: (namespace?.prefix ?? []) + prefix.bytes))
    }

    /// The key prefix of this view (see ``namespaced(_:)``); empty for a client that is not a view.
    public var keyPrefix: EtcdKey { EtcdKey(bytes: namespace?.prefix ?? []) }

    /// A client released without ``close()`` closes itself in the background and logs a warning: its
    /// connections and tasks would otherwise live on. A view released closes nothing.
    deinit {
        guard base == nil else { return }
        let wasOpen = lifecycle.withLock { state -> Bool in
            guard case .open = state.phase else { return false }
            state.phase = .closing
            return true
        }
        guard wasOpen else { return }
        channel.logger.log(.warning, "an EtcdClient was released without close(); closing it now")
        Task.detached { [channel, watchHub, leaseKeeper] in
            await Self.shutDown(channel: channel, watchHub: watchHub, leaseKeeper: leaseKeeper)
        }
    }

    /// The tasks of the client and of the recipes built on it: ``close()`` cancels them and waits for them.
    package var backgroundTasks: EtcdBackgroundTasks { channel.backgroundTasks }

    /// How many watches of this client are registered (created on the server, or being created): tests wait on it to
    /// know that a recipe waits.
    package var watchCount: Int { watchHub.registeredCount }

    /// Creates a client of the members at `endpoints`, in plain text with default timings.
    public convenience init(endpoints: [EtcdEndpoint]) {
        // A plain-text configuration has no files to read, so it cannot be invalid.
        try! self.init(configuration: Configuration(endpoints: endpoints))
    }

    /// Closes the client: open calls, watches and keep-alives fail with ``EtcdError/Code/clientClosed``. When this
    /// returns, every connection, socket, thread and task the client started (for itself or for the sessions,
    /// locks and elections built on it) has ended, and every log record has reached the log sink. Later calls fail
    /// with ``EtcdError/Code/clientClosed``. Closing twice, or from several tasks at once, is safe: each returns
    /// once the client is closed.
    public func close() async {
        let first = lifecycle.withLock { state -> Bool in
            guard case .open = state.phase else { return false }
            state.phase = .closing
            return true
        }
        guard first else {
            await waitUntilClosed()
            return
        }
        await Self.shutDown(channel: channel, watchHub: watchHub, leaseKeeper: leaseKeeper)
        let waiters = lifecycle.withLock { state in
            state.phase = .closed
            defer { state.closeWaiters = [] }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs until the client is closed; cancelling the calling task closes it (and returns once it is closed).
    ///
    /// This is the shape of swift-service-lifecycle's `Service.run()`, so a service group can own the client:
    /// `extension EtcdClient: @retroactive Service {}` (see the README).
    public func run() async {
        await withTaskCancellationHandler {
            await waitUntilClosed()
        } onCancel: {
            Task { await self.close() }
        }
    }

    /// Returns once the client is closed.
    private func waitUntilClosed() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let closed = lifecycle.withLock { state -> Bool in
                if case .closed = state.phase { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if closed { continuation.resume() }
        }
    }

    /// Ends the watches and keep-alives, closes the connections, cancels and waits for every background task,
    /// then lets the log sink take the last records.
    private static func shutDown(
        channel: EtcdChannel,
        watchHub: EtcdWatchHub,
        leaseKeeper: EtcdLeaseKeepAliveHub
    ) async {
        watchHub.close()
        leaseKeeper.close()
        await channel.close()
        await channel.backgroundTasks.cancelAndWait()
        await channel.logger.finish()
    }
}

/// Whether a client is open, closing or closed, and who waits for it to be closed: one per client, shared with its
/// views.
private final class ClientLifecycle: Sendable {
    enum Phase {
        case open
        case closing
        case closed
    }

    struct State {
        var phase = Phase.open
        var closeWaiters: [UnsafeContinuation<Void, Never>] = []
    }

    private let state = LockedValue(State())

    func withLock<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}

/// A reference to a client that does not keep it alive.
private final class WeakClient: Sendable {
    weak let client: EtcdClient?

    init(_ client: EtcdClient) {
        self.client = client
    }
}

/// Runs `body` with a new client and closes the client when `body` returns or throws.
///
/// `body` runs on the caller's actor (`isolation`), so it may use the actor's state.
///
/// - Parameters:
///   - configuration: the endpoints and timings.
///   - isolation: the caller's actor; leave the default.
///   - body: the work to do with the client.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func withEtcdClient<Result>(
    configuration: EtcdClient.Configuration,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (EtcdClient) async throws -> Result
) async throws -> Result {
    let client = try EtcdClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}
