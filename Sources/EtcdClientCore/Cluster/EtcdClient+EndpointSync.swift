extension EtcdClient {
    /// The endpoints the client uses now: the configured ones, or the latest list from
    /// ``syncEndpoints()``.
    public var endpoints: [EtcdEndpoint] { channel.endpoints }

    /// Replaces the endpoint list by hand, as the Go client's `SetEndpoints` does.
    ///
    /// The next connection is made to one of `endpoints`. A connection to an endpoint that is no longer listed is
    /// left at once: calls already open on it finish there, later calls go to the new list. With
    /// ``Configuration/autoSyncInterval`` set, the next sync replaces this list again.
    ///
    /// - Throws: ``EtcdError/Code/invalidArgument`` for an empty list (nothing changes).
    public func setEndpoints(_ endpoints: [EtcdEndpoint]) throws {
        guard !endpoints.isEmpty else {
            throw EtcdError(.invalidArgument, message: "setEndpoints: the list is empty", requestNotSent: true)
        }
        var unique: [EtcdEndpoint] = []
        for endpoint in endpoints where !unique.contains(endpoint) { unique.append(endpoint) }
        channel.replaceEndpoints(unique)
        channel.logger.log(
            .info,
            "endpoints set",
            ["endpoints": unique.map(\.description).joined(separator: ",")]
        )
    }

    /// Replaces the endpoint list with the client URLs of the cluster's members, as the Go client's `Sync`
    /// does; ``Configuration/autoSyncInterval`` does this periodically.
    ///
    /// Learners (which serve no writes or linearizable reads) and members that have not started yet are left
    /// out. The connection in use stays in use while it works, even when its member is no longer listed.
    ///
    /// - Returns: the new endpoint list; the old one is kept, and returned, when no member has a usable URL.
    /// - Throws: `EtcdError`; `CancellationError` when the task is cancelled.
    @discardableResult
    public func syncEndpoints() async throws -> [EtcdEndpoint] {
        let synced = Self.endpoints(of: try await members().members)
        guard !synced.isEmpty else {
            channel.logger.log(.warning, "endpoint sync found no member with a client URL; keeping the list")
            return endpoints
        }
        if channel.updateEndpoints(synced) {
            channel.logger.log(
                .info,
                "endpoints synced from the member list",
                ["endpoints": synced.map(\.description).joined(separator: ",")]
            )
        }
        return synced
    }

    /// The endpoints of `members` that can serve every call: started voting members' client URLs, in order,
    /// each once.
    static func endpoints(of members: [EtcdMember]) -> [EtcdEndpoint] {
        var endpoints: [EtcdEndpoint] = []
        for member in members where !member.isLearner {
            for url in member.clientURLs {
                if let endpoint = EtcdEndpoint(url), !endpoints.contains(endpoint) { endpoints.append(endpoint) }
            }
        }
        return endpoints
    }

    /// Syncs the endpoint list every `interval` until the task is cancelled or the client is gone.
    ///
    /// - Parameter client: the client, or `nil` once it is gone; held only during each sync.
    static func keepEndpointsSynced(every interval: Duration, client: @Sendable () -> EtcdClient?) async {
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            guard let client = client() else { return }
            do {
                try await client.syncEndpoints()
            } catch {
                if Task.isCancelled { return }
                client.channel.logger.log(.warning, "endpoint sync failed", ["reason": "\(error)"])
            }
        }
    }
}
