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

    private init(members: [EtcdTestMember], root: URL, certificates: EtcdTestCertificates?) {
        self.members = members
        self.root = root
        self.certificates = certificates
    }

    /// The certificates members serve with when the cluster was started with TLS.
    package let certificates: EtcdTestCertificates?

    /// Every member's client endpoint.
    package var endpoints: [EtcdEndpoint] { members.map(\.endpoint) }

    /// A client configuration for every member, with short timeouts suited to tests; with TLS it trusts the
    /// test CA and presents the client certificate.
    package var clientConfiguration: EtcdClient.Configuration {
        var configuration = EtcdClient.Configuration(endpoints: endpoints)
        if let certificates {
            configuration.tls = EtcdTLS(
                trustedCAFile: certificates.caFile,
                certificateFile: certificates.clientCertificateFile,
                keyFile: certificates.clientKeyFile
            )
        }
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
    /// - Parameters:
    ///   - extraArguments: flags added to every member's command line.
    ///   - certificates: with these, members serve clients over TLS only and demand a client certificate
    ///     signed by their CA; health and metrics move to a plain-text port of their own.
    /// - Throws: ``EtcdTestSupportError`` when `etcd` is missing (the message says how to install it)
    ///   or does not become healthy.
    package static func start(
        members count: Int = 1,
        extraArguments: [String] = [],
        certificates: EtcdTestCertificates? = nil
    ) async throws -> EtcdTestCluster {
        // A port found free can be taken before etcd binds it (by another socket's bind or connect): then the
        // cluster starts again on new ports. Any other failure is thrown at once.
        var attempt = 1
        while true {
            do {
                return try await startOnce(members: count, extraArguments: extraArguments, certificates: certificates)
            } catch let error as EtcdTestSupportError
                where attempt < 3 && error.description.contains("address already in use")
            {
                attempt += 1
            }
        }
    }

    private static func startOnce(
        members count: Int,
        extraArguments: [String],
        certificates: EtcdTestCertificates?
    ) async throws -> EtcdTestCluster {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swift-etcd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let ports = try EtcdTestPorts.free(count: count * 3)
        let names = (0..<count).map { "m\($0)" }
        let initialCluster = names.indices.map { "\(names[$0])=http://127.0.0.1:\(ports[$0 * 3 + 1])" }.joined(
            separator: ","
        )
        let token = "swift-etcd-\(UUID().uuidString.prefix(8))"
        let members = names.indices.map { index -> EtcdTestMember in
            let clientPort = ports[index * 3]
            let peerPort = ports[index * 3 + 1]
            let healthPort = certificates == nil ? clientPort : ports[index * 3 + 2]
            let scheme = certificates == nil ? "http" : "https"
            let dataDirectory = root.appendingPathComponent(names[index])
            let tlsArguments =
                certificates.map {
                    [
                        "--cert-file", $0.serverCertificateFile, "--key-file", $0.serverKeyFile,
                        "--trusted-ca-file", $0.caFile, "--client-cert-auth",
                        "--listen-metrics-urls", "http://127.0.0.1:\(healthPort)",
                    ]
                } ?? []
            let arguments =
                [
                    "--name", names[index],
                    "--data-dir", dataDirectory.appendingPathComponent("data").path,
                    "--listen-client-urls", "\(scheme)://127.0.0.1:\(clientPort)",
                    "--advertise-client-urls", "\(scheme)://127.0.0.1:\(clientPort)",
                    "--listen-peer-urls", "http://127.0.0.1:\(peerPort)",
                    "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    "--heartbeat-interval", "25",
                    "--election-timeout", "250",
                    "--logger", "zap",
                    "--log-level", "warn",
                ] + tlsArguments + extraArguments
            return EtcdTestMember(
                name: names[index],
                clientPort: clientPort,
                peerPort: peerPort,
                healthPort: healthPort,
                dataDirectory: dataDirectory,
                arguments: arguments
            )
        }
        let cluster = EtcdTestCluster(members: members, root: root, certificates: certificates)
        do {
            for member in members { try member.start() }
            // Together, so that a member that exited (say, its port was taken) is reported at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for member in members { group.addTask { try await member.waitUntilHealthy() } }
                try await group.waitForAll()
            }
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
    certificates: EtcdTestCertificates? = nil,
    _ body: (EtcdTestCluster) async throws -> Result
) async throws -> Result {
    let cluster = try await EtcdTestCluster.start(
        members: members,
        extraArguments: extraArguments,
        certificates: certificates
    )
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
