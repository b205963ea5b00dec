import EtcdClientCore

/// The loop behind ``EtcdElection/observe(isolation:_:)``.
enum LeaderObserver {
    /// Reports the leader of the election `queue`, then every change, until cancelled.
    static func run(queue: RecipeQueue, client: EtcdClient, report: @Sendable (EtcdLeaderChange) -> Void) async throws {
        while !Task.isCancelled {
            let current = try await client.get(queue.head)
            var leader = current.keyValues.first
            if leader == nil {
                report(.noLeader(revision: current.header.revision))
                // The first key put under the prefix leads.
                leader = try await client.watch(
                    .prefix(queue.prefix),
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
