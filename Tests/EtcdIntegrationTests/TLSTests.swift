import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

/// etcd serving clients over TLS only, with client-certificate auth, using certificates made at test time.
@Suite("TLS against a real etcd", .timeLimit(.minutes(2)))
struct TLSTests {
    /// Runs `body` with a fresh one-member cluster that serves TLS and demands a client certificate.
    private func withTLSCluster(_ body: (EtcdTestCluster, EtcdTestCertificates) async throws -> Void) async throws {
        let certificates = try EtcdTestCertificates()
        defer { certificates.remove() }
        try await withEtcdTestCluster(certificates: certificates) { cluster in
            try await body(cluster, certificates)
        }
    }

    /// The error the first call gets with `tls`, against the cluster's member.
    private func firstCallError(_ cluster: EtcdTestCluster, tls: EtcdTLS?) async throws -> EtcdError {
        var configuration = cluster.clientConfiguration
        configuration.tls = tls
        configuration.defaultCallOptions.timeout = .seconds(5)
        return try await #require(throws: EtcdError.self) {
            try await withEtcdClient(configuration: configuration) { etcd in
                _ = try await etcd.get("tls/probe")
            }
        }
    }

    @Test("with the CA and a client certificate: unary calls, a 1 MiB value, many calls at once and a watch work")
    func connects() async throws {
        try await withTLSCluster { cluster, _ in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                try await etcd.put("tls/k", value: "v")
                #expect(try await etcd.get("tls/k")?.stringValue == "v")

                let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                try await etcd.put("tls/large", value: large)
                #expect(try await etcd.get("tls/large")?.value == large)

                let values = try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<500 { group.addTask { try await etcd.get("tls/k")?.stringValue } }
                    return try await group.reduce(into: [String?]()) { $0.append($1) }
                }
                #expect(values.count == 500 && values.allSatisfy { $0 == "v" })

                let events = try await etcd.watch("tls/w") { responses in
                    try await etcd.put("tls/w", value: "1")
                    for try await response in responses where !response.events.isEmpty {
                        return response.events.map { $0.keyValue.stringValue }
                    }
                    return []
                }
                #expect(events == ["1"])
            }
        }
    }

    @Test("the server's name is checked: localhost matches its certificate, another name fails with tlsFailed")
    func hostnameCheck() async throws {
        try await withTLSCluster { cluster, _ in
            var byName = cluster.clientConfiguration
            byName.endpoints = [.hostname("localhost", port: cluster.members[0].clientPort)]
            _ = try await withEtcdClient(configuration: byName) { etcd in
                try await etcd.put("tls/name", value: "ok")
            }
            var misnamed = cluster.clientConfiguration.tls
            misnamed?.serverName = "etcd.example.com"
            let error = try await firstCallError(cluster, tls: misnamed)
            #expect(error.code == .tlsFailed, "\(error)")
            #expect(error.message.contains("hostname mismatch"), "\(error)")
            #expect(error.endpoint == cluster.members[0].endpoint.description)
        }
    }

    @Test("a CA that did not sign the server's certificate fails with tlsFailed, saying the verify failed")
    func wrongCA() async throws {
        try await withTLSCluster { cluster, certificates in
            var tls = cluster.clientConfiguration.tls
            tls?.trustedCAFile = certificates.otherCAFile
            let error = try await firstCallError(cluster, tls: tls)
            #expect(error.code == .tlsFailed, "\(error)")
            #expect(error.message.contains("certificate verify failed"), "\(error)")
            #expect(error.requestNotSent)
        }
    }

    @Test("without a client certificate, or with one from another CA, the server's refusal is tlsFailed")
    func clientCertificateRefused() async throws {
        try await withTLSCluster { cluster, certificates in
            let missing = try await firstCallError(cluster, tls: EtcdTLS(trustedCAFile: certificates.caFile))
            #expect(missing.code == .tlsFailed, "\(missing)")
            // TLS 1.2 servers send "bad certificate", TLS 1.3 ones "certificate required".
            #expect(
                missing.message.contains("bad certificate") || missing.message.contains("certificate required"),
                "\(missing)"
            )

            let foreign = try await firstCallError(
                cluster,
                tls: EtcdTLS(
                    trustedCAFile: certificates.caFile,
                    certificateFile: certificates.foreignClientCertificateFile,
                    keyFile: certificates.foreignClientKeyFile
                )
            )
            #expect(foreign.code == .tlsFailed, "\(foreign)")
        }
    }

    @Test("a write refused at the TLS layer is reported as not sent, not as an unknown outcome")
    func refusedWriteIsNotSent() async throws {
        try await withTLSCluster { cluster, certificates in
            var configuration = cluster.clientConfiguration
            configuration.tls = EtcdTLS(trustedCAFile: certificates.caFile)
            let error = try await #require(throws: EtcdError.self) {
                try await withEtcdClient(configuration: configuration) { etcd in
                    try await etcd.put("tls/refused", value: "v")
                }
            }
            #expect(error.code == .tlsFailed, "\(error)")
            #expect(error.requestNotSent)
            let written = try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                try await etcd.get("tls/refused")
            }
            #expect(written == nil)
        }
    }

    @Test("plain text against a TLS server, and TLS against a plain-text server, fail with a clear error")
    func mismatchedTransport() async throws {
        try await withTLSCluster { cluster, _ in
            let plain = try await firstCallError(cluster, tls: nil)
            #expect(plain.code == .connectionFailed, "\(plain)")
            #expect(plain.message.contains("expect TLS"), "\(plain)")
        }
        let cluster = try await SharedEtcd.shared.get()
        let tlsToPlain = try await firstCallError(cluster, tls: EtcdTLS())
        #expect(tlsToPlain.code == .tlsFailed, "\(tlsToPlain)")
    }

    @Test("a TLS server killed while large writes are on the wire gives typed errors, and no SIGPIPE ends the process")
    func serverKilledMidWrite() async throws {
        try await withTLSCluster { cluster, _ in
            var configuration = cluster.clientConfiguration
            configuration.defaultCallOptions.timeout = .seconds(5)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("tls/before", value: "v")
                let large = [UInt8](repeating: 0x5A, count: 1 << 20)
                let errors = try await withThrowingTaskGroup(of: EtcdError?.self) { group in
                    for index in 0..<24 {
                        group.addTask {
                            do {
                                try await etcd.put(EtcdKey("tls/large/\(index)"), value: large)
                                return nil
                            } catch let error as EtcdError {
                                return error
                            }
                        }
                    }
                    cluster.members[0].kill()
                    return try await group.reduce(into: [EtcdError]()) { if let error = $1 { $0.append(error) } }
                }
                // The handshake had succeeded: a killed server is a lost connection, not a TLS failure.
                let expected: Set<EtcdError.Code> = [.outcomeUnknown, .connectionFailed]
                #expect(errors.allSatisfy { expected.contains($0.code) }, "\(errors)")
                let after = try await #require(throws: EtcdError.self) { try await etcd.get("tls/before") }
                #expect(after.code == .connectionFailed, "\(after)")
            }
        }
    }

    @Test("three members over mutual TLS: killing the member the client is on moves calls and a watch to another")
    func failoverOverTLS() async throws {
        let certificates = try EtcdTestCertificates()
        defer { certificates.remove() }
        try await withEtcdTestCluster(members: 3, certificates: certificates) { cluster in
            var configuration = cluster.clientConfiguration
            configuration.defaultCallOptions.timeout = .seconds(10)
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("tls/failover", value: "1")
                try await etcd.watch(.key("tls/failover"), startRevision: 1) { responses in
                    var iterator = responses.makeAsyncIterator()
                    #expect(try await iterator.next()?.events.first?.keyValue.stringValue == "1")
                    cluster.members[0].kill()  // the first endpoint, which the client is on
                    #expect(try await etcd.get("tls/failover")?.stringValue == "1")
                    // If the killed member led, a write can meet the election: etcd's own transient refusals are
                    // retried here (the same value, so a repeat changes nothing the test reads).
                    for attempt in 1...5 {
                        do {
                            try await etcd.put("tls/failover", value: "2")
                            break
                        } catch let error as EtcdError
                            where attempt < 5 && [.leaderChanged, .noLeader, .serverTimeout].contains(error.code)
                        {
                            continue
                        }
                    }
                    var next = try await iterator.next()
                    while next?.events.isEmpty == true { next = try await iterator.next() }
                    #expect(next?.events.first?.keyValue.stringValue == "2")
                }
            }
        }
    }

    @Test("with verification off, a server signed by an untrusted CA is accepted")
    func verificationOff() async throws {
        try await withTLSCluster { cluster, certificates in
            var configuration = cluster.clientConfiguration
            configuration.tls?.trustedCAFile = certificates.otherCAFile
            configuration.tls?.verifiesServer = false
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("tls/insecure", value: "v")
                #expect(try await etcd.get("tls/insecure")?.stringValue == "v")
            }
        }
    }

    @Test("unusable TLS files make creating the client throw invalidConfiguration naming the file")
    func badFiles() throws {
        let certificates = try EtcdTestCertificates()
        defer { certificates.remove() }
        let cases: [(EtcdTLS, String)] = [
            (EtcdTLS(trustedCAFile: "/nonexistent/ca.crt"), "/nonexistent/ca.crt"),
            (EtcdTLS(trustedCAFile: certificates.clientKeyFile), certificates.clientKeyFile),
            (
                EtcdTLS(certificateFile: "/nonexistent/client.crt", keyFile: certificates.clientKeyFile),
                "/nonexistent/client.crt"
            ),
            (
                EtcdTLS(certificateFile: certificates.clientCertificateFile, keyFile: certificates.serverKeyFile),
                certificates.serverKeyFile
            ),
            (EtcdTLS(certificateFile: certificates.clientCertificateFile), "key file"),
        ]
        for (tls, named) in cases {
            var configuration = EtcdClient.Configuration(endpoints: [.hostname("127.0.0.1")])
            configuration.tls = tls
            let error = try #require(throws: EtcdError.self) { try EtcdClient(configuration: configuration) }
            #expect(error.code == .invalidConfiguration, "\(error)")
            #expect(error.message.contains(named), "\(error)")
        }
    }
}
