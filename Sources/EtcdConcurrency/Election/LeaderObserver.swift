import EtcdClientCore

/// The loop behind ``EtcdElection/observe(_:)``.
enum LeaderObserver {
    /// Reports the leader of the election under `prefix`, then every change, until cancelled.
    static func run(prefix: EtcdKey, client: EtcdClient, report: @Sendable (EtcdLeaderChange) -> Void) async throws {
        let first = EtcdGetRequest(.prefix(prefix), limit: 1, sort: .ascending(by: .createRevision))
        while !Task.isCancelled {
            let current = try await client.get(first)
            var leader = current.keyValues.first
            if leader == nil {
                report(.noLeader(revision: current.header.revision))
                // The first key put under the prefix leads.
                leader = try await client.watch(
                    .prefix(prefix),
                    startRevision: current.header.revision + 1,
                    filter: .noDelete
                ) { responses in
                    for try await response in responses {
                        if let put = response.events.first { return put.keyValue }
                    }
                    return nil
                }
            }
            guard let leader else { return }
            report(.leader(leader))
            // Follow the leader's key: a put is a proclamation, a delete ends its leadership.
            try await client.watch(.key(leader.key), startRevision: leader.modRevision + 1) { responses in
                for try await response in responses {
                    for event in response.events {
                        switch event.kind {
                        case .put: report(.leader(event.keyValue))
                        case .delete: return
                        }
                    }
                }
            }
        }
    }
}
