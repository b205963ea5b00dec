import EtcdClientCore
import EtcdTesting
import Foundation

/// One single-member etcd shared by the tests of one test process, started on first use.
///
/// Tests that share it work under their own key prefix (see ``uniquePrefix(_:)``), so they can run in
/// parallel. Tests that stop, pause or reconfigure a member start their own cluster instead.
package actor SharedEtcd {
    /// The shared instance.
    package static let shared = SharedEtcd()
    private var cluster: Task<EtcdTestCluster, any Error>?

    /// The running cluster, started on first use. Callers that arrive while it starts wait for the same one.
    package func get() async throws -> EtcdTestCluster {
        if let cluster { return try await cluster.value }
        let starting = Task { try await EtcdTestCluster.start(members: 1) }
        cluster = starting
        return try await starting.value
    }

    /// Runs `body` with a new client of the shared member, and closes the client afterwards.
    package static func withClient<Result: Sendable>(_ body: (EtcdClient) async throws -> Result) async throws -> Result
    {
        let cluster = try await shared.get()
        return try await withEtcdClient(configuration: cluster.clientConfiguration, body)
    }

    /// A key prefix no other test uses: `test/<name>/<random>/`.
    package static func uniquePrefix(_ name: String) -> String {
        "test/\(name)/\(UUID().uuidString.prefix(8))/"
    }
}
