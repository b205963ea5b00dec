import Synchronization
import _EtcdTransport
import _EtcdWire

/// A client of an etcd v3 cluster.
///
/// Create one per cluster and share it: it is `Sendable`, and all calls made at once share one
/// HTTP/2 connection. Close it with ``close()`` when done, or use ``withEtcdClient(configuration:_:)``,
/// which closes it when its body ends.
public final class EtcdClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration
    let channel: EtcdChannel
    let watchHub: EtcdWatchHub
    let leaseKeeper: EtcdLeaseKeepAliveHub
    /// When each lease granted or renewed through this client expires without another renewal.
    let leaseDeadlines = LeaseDeadlines()
    /// The newest revision seen, below which serializable reads are refused.
    let revisionFloor = RevisionFloor()
    /// The periodic endpoint sync, when ``Configuration/autoSyncInterval`` is set.
    private let endpointSync = Mutex<Task<Void, Never>?>(nil)

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
        self.channel = try EtcdChannel(configuration: configuration)
        self.watchHub = EtcdWatchHub(channel: channel)
        self.leaseKeeper = EtcdLeaseKeepAliveHub(channel: channel, deadlines: leaseDeadlines)
        if let interval = configuration.autoSyncInterval {
            let task = Self.keepEndpointsSynced(self, every: interval)
            endpointSync.withLock { $0 = task }
        }
    }

    /// Creates a client of the members at `endpoints`, in plain text with default timings.
    public convenience init(endpoints: [EtcdEndpoint]) {
        // A plain-text configuration has no files to read, so it cannot be invalid.
        try! self.init(configuration: Configuration(endpoints: endpoints))
    }

    /// Closes the client: open calls fail with ``EtcdError/Code/clientClosed``; its connections, sockets
    /// and threads are gone, and every log record has reached the log sink, when this returns. Later calls
    /// fail with ``EtcdError/Code/clientClosed``.
    public func close() async {
        let sync = endpointSync.withLock { $0.take() }
        sync?.cancel()
        await sync?.value
        watchHub.close()
        leaseKeeper.close()
        await channel.close()
        await channel.logger.finish()
    }
}

/// Runs `body` with a new client and closes the client when `body` returns or throws.
///
/// - Parameters:
///   - configuration: the endpoints and timings.
///   - body: the work to do with the client.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func withEtcdClient<Result: Sendable>(
    configuration: EtcdClient.Configuration,
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
