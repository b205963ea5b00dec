import EtcdClientCore
import Foundation

/// A cluster of real `etcd` processes for integration tests: one member, or three for failover.
///
/// Each member gets free loopback ports and a temporary data directory. Short raft timings (25 ms heartbeats,
/// 250 ms elections) make elections fast. ``stop()`` ends the processes and removes the data;
/// ``withEtcdTestCluster(members:extraArguments:certificates:peerRelays:_:)`` does it for you when its scope ends.
///
/// The `etcd` binary is `$ETCD_BIN` when that is set, else the first `etcd` on `PATH` (Debian: `etcd-server`).
///
/// ```swift
/// try await withEtcdTestCluster(members: 3) { cluster in
///     try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
///         try await etcd.put("jobs/1", value: "queued")
///         cluster.members[try await cluster.leadership().leader].kill()
///         #expect(try await etcd.get("jobs/1")?.stringValue == "queued")
///     }
/// }
/// ```
public final class EtcdTestCluster: Sendable {
    /// The members, in start order.
    public let members: [EtcdTestMember]
    private let root: URL

    /// With `peerRelays`, the relay in front of each member's peer port, which the others dial; else empty.
    public let peerRelays: [EtcdTestRelay]

    private init(
        members: [EtcdTestMember],
        root: URL,
        certificates: EtcdTestCertificates?,
        peerRelays: [EtcdTestRelay]
    ) {
        self.members = members
        self.root = root
        self.certificates = certificates
        self.peerRelays = peerRelays
    }

    /// The certificates members serve with when the cluster was started with TLS.
    public let certificates: EtcdTestCertificates?

    /// Every member's client endpoint.
    public var endpoints: [EtcdEndpoint] { members.map(\.endpoint) }

    /// A client configuration for every member, with short timeouts suited to tests; with TLS it trusts the
    /// test CA and presents the client certificate.
    public var clientConfiguration: EtcdClient.Configuration {
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

    /// The client configuration with a short connect timeout, so that reconnecting after a member restarts is quick.
    package var quickReconnectConfiguration: EtcdClient.Configuration {
        var configuration = clientConfiguration
        configuration.connectTimeout = .milliseconds(500)
        return configuration
    }

    /// A client configuration that lists member `first` and then the others, so that the client starts on `first`.
    package func configuration(startingOn first: Int) -> EtcdClient.Configuration {
        var configuration = clientConfiguration
        configuration.endpoints = [members[first].endpoint] + endpoints(except: first)
        return configuration
    }

    /// A client configuration of every member but `excluded`: a helper client that works while `excluded` is in trouble.
    package func configuration(avoiding excluded: Int) -> EtcdClient.Configuration {
        var configuration = clientConfiguration
        configuration.endpoints = endpoints(except: excluded)
        return configuration
    }

    private func endpoints(except excluded: Int) -> [EtcdEndpoint] {
        members.indices.filter { $0 != excluded }.map { members[$0].endpoint }
    }

    /// A client configuration whose only endpoint is member `index`: the client cannot fail over.
    package func configuration(onlyMember index: Int) -> EtcdClient.Configuration {
        var configuration = clientConfiguration
        configuration.endpoints = [members[index].endpoint]
        return configuration
    }

    /// A client configuration that reaches the cluster only through `relay`, with a short connect timeout so
    /// that reconnecting after a cut is quick.
    public func configuration(through relay: EtcdTestRelay) -> EtcdClient.Configuration {
        var configuration = quickReconnectConfiguration
        configuration.endpoints = [.hostname("127.0.0.1", port: relay.port)]
        return configuration
    }

    /// A relay in front of each member's client port, in member order, so that a test can blackhole, cut or
    /// delay the path from a client to one member while the member itself runs. The caller stops them.
    public func clientRelays() throws -> [EtcdTestRelay] {
        try members.map { try EtcdTestRelay(targetPort: $0.clientPort) }
    }

    /// A client configuration that reaches member `index` first and then the others, each through its relay in
    /// `relays` (see ``clientRelays()``).
    package func configuration(through relays: [EtcdTestRelay], startingOn index: Int) -> EtcdClient.Configuration {
        var configuration = clientConfiguration
        let order = [index] + relays.indices.filter { $0 != index }
        configuration.endpoints = order.map { .hostname("127.0.0.1", port: relays[$0].port) }
        return configuration
    }

    /// Starts `count` members and waits until every one is healthy.
    ///
    /// - Parameters:
    ///   - count: how many members to start.
    ///   - extraArguments: flags added to every member's command line.
    ///   - certificates: with these, members serve clients over TLS only and demand a client certificate
    ///     signed by their CA; health and metrics move to a plain-text port of their own.
    ///   - peerRelays: members reach each other through relays (see ``isolate(_:memberID:)``).
    /// - Throws: ``EtcdTestingError`` when `etcd` is missing (the message says how to install it)
    ///   or does not become healthy.
    public static func start(
        members count: Int = 1,
        extraArguments: [String] = [],
        certificates: EtcdTestCertificates? = nil,
        peerRelays: Bool = false
    ) async throws -> EtcdTestCluster {
        // A port found free can be taken before etcd binds it (by another socket's bind or connect): then the
        // cluster starts again on new ports. Any other failure is thrown at once.
        var attempt = 1
        while true {
            do {
                return try await startOnce(
                    members: count,
                    extraArguments: extraArguments,
                    certificates: certificates,
                    peerRelays: peerRelays
                )
            } catch let error as EtcdTestingError
                where attempt < 3 && error.description.contains("address already in use")
            {
                attempt += 1
            }
        }
    }

    private static func startOnce(
        members count: Int,
        extraArguments: [String],
        certificates: EtcdTestCertificates?,
        peerRelays: Bool
    ) async throws -> EtcdTestCluster {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swift-etcd-test-\(UUID().uuidString)")
        let ports = try EtcdTestPorts.free(count: count * 3)
        let names = (0..<count).map { "m\($0)" }
        var relays: [EtcdTestRelay] = []
        do {
            if peerRelays {
                for index in names.indices { relays.append(try EtcdTestRelay(targetPort: ports[index * 3 + 1])) }
            }
        } catch {
            for relay in relays { relay.stop() }
            throw error
        }
        // The peer port others dial: the relay's, or the member's own.
        let advertisedPeerPorts = names.indices.map { peerRelays ? relays[$0].port : ports[$0 * 3 + 1] }
        let initialCluster = names.indices.map { "\(names[$0])=http://127.0.0.1:\(advertisedPeerPorts[$0])" }
            .joined(separator: ",")
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
                EtcdTestMember.arguments(
                    name: names[index],
                    dataDirectory: dataDirectory,
                    clientURL: "\(scheme)://127.0.0.1:\(clientPort)",
                    peerPort: peerPort,
                    advertisedPeerPort: advertisedPeerPorts[index],
                    initialCluster: initialCluster,
                    token: token,
                    state: "new"
                ) + tlsArguments + extraArguments
            return EtcdTestMember(
                name: names[index],
                clientPort: clientPort,
                peerPort: peerPort,
                healthPort: healthPort,
                dataDirectory: dataDirectory,
                arguments: arguments
            )
        }
        let cluster = EtcdTestCluster(members: members, root: root, certificates: certificates, peerRelays: relays)
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
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

    /// The index of the member that leads, and each member's ID by index, as etcd reports them.
    ///
    /// - Throws: ``EtcdTestingError`` when a member or the leader is missing from the answers; what the
    ///   calls throw.
    public func leadership() async throws -> (leader: Int, ids: [UInt64]) {
        try await withEtcdClient(configuration: clientConfiguration) { etcd in
            let status = try await etcd.status()
            let listed = try await etcd.members().members
            let ids = try members.map { member in
                guard let id = listed.first(where: { $0.name == member.name })?.id else {
                    throw EtcdTestingError("member \(member.name) is not in the member list")
                }
                return id
            }
            guard let leader = ids.firstIndex(of: status.leader) else {
                throw EtcdTestingError("no member leads")
            }
            return (leader, ids)
        }
    }

    /// Cuts member `index` off from the others while it goes on serving clients: its peer relay closes every
    /// connection, and the others' relays close the connections it makes (its peer requests name it in
    /// `X-Server-From`). It soon has no leader; the others keep or elect one. Needs `peerRelays`.
    ///
    /// - Parameters:
    ///   - index: the member's index in ``members``.
    ///   - memberID: the member's ID, as the member list gives it (see ``leadership()``).
    public func isolate(_ index: Int, memberID: UInt64) {
        let dialer = Array("X-Server-From: \(String(memberID, radix: 16))".utf8)
        for (other, relay) in peerRelays.enumerated() {
            relay.set(other == index ? .cut : .cutConnections(sending: dialer))
        }
    }

    /// Undoes ``isolate(_:memberID:)``.
    public func heal() {
        for relay in peerRelays { relay.set(.pass) }
    }

    /// A new member for this cluster, not started: its etcd joins the cluster as a member already added (with
    /// ``EtcdClient/addMember(peerURLs:asLearner:)``, at `http://127.0.0.1:<peerPort>`) under `name`. Plain text;
    /// its data directory is under the cluster's, so ``stop()`` removes it; the caller stops the process.
    ///
    /// - Parameter members: the member list as etcd gives it after the member was added.
    package func joiningMember(
        name: String,
        peerPort: Int,
        members listed: [EtcdMember]
    ) throws -> EtcdTestMember {
        let initialCluster = listed.compactMap { member -> String? in
            let memberName = member.name.isEmpty ? name : member.name
            return member.peerURLs.first.map { "\(memberName)=\($0)" }
        }.joined(separator: ",")
        return try EtcdTestMember.plain(
            name: name,
            dataDirectory: root.appendingPathComponent(name),
            peerPort: peerPort,
            initialCluster: initialCluster,
            state: "existing"
        )
    }

    /// Stops every member and the peer relays, and removes the data directories.
    public func stop() {
        for member in members { member.stop() }
        for relay in peerRelays { relay.stop() }
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs `etcdctl` (Debian `etcd-client`) against every member and returns its standard output.
    ///
    /// - Throws: ``EtcdTestingError`` when etcdctl is missing or exits with a failure.
    public func etcdctl(_ arguments: [String], input: [UInt8]? = nil) throws -> [UInt8] {
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

/// Runs `body` with a fresh cluster of `members` members, and stops it and removes its data afterwards, also when
/// `body` throws or is cancelled.
///
/// - Parameters:
///   - members: how many members to start (1 or 3 in this package's tests).
///   - extraArguments: flags added to every member's command line, such as `--quota-backend-bytes`.
///   - certificates: with these, members serve clients over TLS only and demand a client certificate.
///   - peerRelays: members reach each other through relays, so that ``EtcdTestCluster/isolate(_:memberID:)``
///     can cut one off.
///   - body: the test.
/// - Throws: ``EtcdTestingError`` when the cluster does not start; what `body` throws.
public func withEtcdTestCluster<Result>(
    members: Int = 1,
    extraArguments: [String] = [],
    certificates: EtcdTestCertificates? = nil,
    peerRelays: Bool = false,
    _ body: (EtcdTestCluster) async throws -> Result
) async throws -> Result {
    let cluster = try await EtcdTestCluster.start(
        members: members,
        extraArguments: extraArguments,
        certificates: certificates,
        peerRelays: peerRelays
    )
    defer { cluster.stop() }
    return try await body(cluster)
}

/// Runs `body` with a fresh one-member cluster and a relay in front of it (see ``EtcdTestRelay``), for faults
/// that are not a dead process; stops both afterwards.
///
/// Give the client ``EtcdTestCluster/configuration(through:)`` so that it connects through the relay.
///
/// - Throws: ``EtcdTestingError`` when the cluster or relay does not start; what `body` throws.
public func withRelayedEtcdTestCluster<Result>(
    _ body: (EtcdTestCluster, EtcdTestRelay) async throws -> Result
) async throws -> Result {
    try await withEtcdTestCluster { cluster in
        let relay = try EtcdTestRelay(targetPort: cluster.members[0].clientPort)
        defer { relay.stop() }
        return try await body(cluster, relay)
    }
}
