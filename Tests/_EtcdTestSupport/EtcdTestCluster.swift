import EtcdClientCore
import Foundation

/// A cluster of real `etcd` processes (Debian `etcd-server`) for tests: one member, or three for failover.
///
/// Each member gets free loopback ports and a temporary data directory. Short raft timings make
/// elections fast. ``stop()`` ends the processes and removes the data.
package final class EtcdTestCluster: Sendable {
    /// The members, in start order.
    package let members: [EtcdTestMember]
    private let root: URL

    private init(members: [EtcdTestMember], root: URL) {
        self.members = members
        self.root = root
    }

    /// Every member's client endpoint.
    package var endpoints: [EtcdEndpoint] { members.map(\.endpoint) }

    /// A client configuration for every member, with short timeouts suited to tests.
    package var clientConfiguration: EtcdClient.Configuration {
        var configuration = EtcdClient.Configuration(endpoints: endpoints)
        configuration.connectTimeout = .seconds(2)
        configuration.defaultCallOptions.timeout = .seconds(20)
        return configuration
    }

    /// A client configuration that reaches the cluster only through `relay`, with a short connect timeout so
    /// that reconnecting after a cut is quick.
    package func configuration(through relay: EtcdTestRelay) -> EtcdClient.Configuration {
        var configuration = clientConfiguration
        configuration.endpoints = [.hostname("127.0.0.1", port: relay.port)]
        configuration.connectTimeout = .milliseconds(500)
        return configuration
    }

    /// Starts `count` members and waits until every one is healthy.
    ///
    /// - Parameter extraArguments: flags added to every member's command line.
    /// - Throws: ``EtcdTestSupportError`` when `etcd` is missing (the message says how to install it)
    ///   or does not become healthy.
    package static func start(members count: Int = 1, extraArguments: [String] = []) async throws -> EtcdTestCluster {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swift-etcd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let ports = try EtcdTestPorts.free(count: count * 2)
        let names = (0..<count).map { "m\($0)" }
        let initialCluster = names.indices.map { "\(names[$0])=http://127.0.0.1:\(ports[$0 * 2 + 1])" }.joined(
            separator: ","
        )
        let token = "swift-etcd-\(UUID().uuidString.prefix(8))"
        let members = names.indices.map { index -> EtcdTestMember in
            let clientPort = ports[index * 2]
            let peerPort = ports[index * 2 + 1]
            let dataDirectory = root.appendingPathComponent(names[index])
            let arguments =
                [
                    "--name", names[index],
                    "--data-dir", dataDirectory.appendingPathComponent("data").path,
                    "--listen-client-urls", "http://127.0.0.1:\(clientPort)",
                    "--advertise-client-urls", "http://127.0.0.1:\(clientPort)",
                    "--listen-peer-urls", "http://127.0.0.1:\(peerPort)",
                    "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    "--heartbeat-interval", "25",
                    "--election-timeout", "250",
                    "--logger", "zap",
                    "--log-level", "warn",
                ] + extraArguments
            return EtcdTestMember(
                name: names[index],
                clientPort: clientPort,
                peerPort: peerPort,
                dataDirectory: dataDirectory,
                arguments: arguments
            )
        }
        let cluster = EtcdTestCluster(members: members, root: root)
        do {
            for member in members { try member.start() }
            for member in members { try await member.waitUntilHealthy() }
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    /// Stops every member and removes the data directories.
    package func stop() {
        for member in members { member.stop() }
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs `etcdctl` (Debian `etcd-client`) against every member and returns its standard output.
    ///
    /// - Throws: ``EtcdTestSupportError`` when etcdctl is missing or exits with a failure.
    package func etcdctl(_ arguments: [String], input: [UInt8]? = nil) throws -> [UInt8] {
        let endpoints = members.map(\.clientURL).joined(separator: ",")
        return try EtcdTestBinaries.run(
            "etcdctl",
            package: "etcd-client",
            arguments: ["--endpoints=\(endpoints)"] + arguments,
            environment: ["ETCDCTL_API": "3"],
            input: input
        )
    }
}

/// Runs `body` with a fresh cluster of `members` members, and stops it afterwards.
package func withEtcdTestCluster<Result>(
    members: Int = 1,
    extraArguments: [String] = [],
    _ body: (EtcdTestCluster) async throws -> Result
) async throws -> Result {
    let cluster = try await EtcdTestCluster.start(members: members, extraArguments: extraArguments)
    defer { cluster.stop() }
    return try await body(cluster)
}

/// Runs `body` with a fresh one-member cluster and a relay in front of it (see ``EtcdTestRelay``), for faults
/// that are not a dead process; stops both afterwards.
package func withRelayedEtcdTestCluster<Result>(
    _ body: (EtcdTestCluster, EtcdTestRelay) async throws -> Result
) async throws -> Result {
    try await withEtcdTestCluster { cluster in
        let relay = try EtcdTestRelay(targetPort: cluster.members[0].clientPort)
        defer { relay.stop() }
        return try await body(cluster, relay)
    }
}
