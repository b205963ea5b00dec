import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// Errors callers saw while the auth store changed under them.
private final class CallerErrors: Sendable {
    let errors = LockedValue<[String]>([])
    let successes = LockedValue(0)
}

@Suite("Authentication through changes and failures", .timeLimit(.minutes(1)))
struct AuthFaultTests {
    /// Runs `load` callers doing puts and gets on `etcd` until `body` returns, and returns what they saw.
    private func underLoad(
        _ etcd: EtcdClient,
        callers: Int = 4,
        _ body: () async throws -> Void
    ) async throws -> CallerErrors {
        let seen = CallerErrors()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var round = 0
                    while !Task.isCancelled {
                        round += 1
                        do {
                            try await etcd.put(EtcdKey("auth-load/\(caller)"), value: "\(round)")
                            _ = try await etcd.get(EtcdKey("auth-load/\(caller)"))
                            seen.successes.withLock { $0 += 1 }
                        } catch is CancellationError {
                            return
                        } catch {
                            seen.errors.withLock { $0.append("\(error)") }
                        }
                    }
                }
            }
            try await body()
            group.cancelAll()
        }
        return seen
    }

    @Test("the first endpoint is down: authentication fails over like any call")
    func authenticationFailsOver() async throws {
        try await withEtcdTestCluster { cluster in
            try await cluster.enableRootAuthentication()
            var configuration = cluster.configuration()
            configuration.endpoints =
                [.hostname("127.0.0.1", port: try EtcdTestPortsAccess.closedPort())]
                + cluster.endpoints
            try await withEtcdClient(configuration: configuration) { etcd in
                try await etcd.put("auth/failover", value: "1")
                #expect(try await etcd.get("auth/failover")?.stringValue == "1")
            }
        }
    }

    @Test("many concurrent first calls authenticate once")
    func singleFlight() async throws {
        try await withEtcdTestCluster { cluster in
            try await cluster.enableRootAuthentication()
            var configuration = cluster.configuration()
            let records = EtcdTestLogRecorder()
            configuration.logSink = records.sink
            try await withEtcdClient(configuration: configuration) { etcd in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<20 {
                        group.addTask { _ = try await etcd.get(EtcdKey("auth/first/\(index)")) }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(records.records("authenticated").count == 1)
        }
    }

    @Test("auth turned off and on again under load: callers see no error")
    func disabledAndReenabled() async throws {
        try await withEtcdTestCluster { cluster in
            try await cluster.enableRootAuthentication()
            let records = EtcdTestLogRecorder()
            var configuration = cluster.configuration()
            configuration.logSink = records.sink
            try await withEtcdClient(configuration: configuration) { etcd in
                try await withEtcdClient(configuration: cluster.configuration()) { admin in
                    let seen = try await underLoad(etcd) {
                        for _ in 0..<2 {
                            try await Task.sleep(for: .milliseconds(200))
                            try await admin.disableAuthentication()
                            try await Task.sleep(for: .milliseconds(300))
                            try await admin.enableAuthentication()
                        }
                        try await Task.sleep(for: .milliseconds(300))
                    }
                    #expect(seen.errors.withLock { $0 }.isEmpty, "\(seen.errors.withLock { Set($0) })")
                    #expect(seen.successes.withLock { $0 } > 10)
                    // Auth is on again: a client without credentials is refused, ours goes on.
                    _ = try await withEtcdClient(configuration: cluster.clientConfiguration) { anonymous in
                        await #expect(throws: EtcdError.self) { try await anonymous.put("auth/k", value: "v") }
                    }
                    try await etcd.put("auth/k", value: "after")
                }
            }
            #expect(!records.records("the server has authentication off; calls go on without a token").isEmpty)
        }
    }

    @Test("users and roles changed under load: callers see no error")
    func authStoreChurn() async throws {
        let keys = try EtcdTestCertificates()
        defer { keys.remove() }
        // JWT tokens carry the auth store's revision: each change makes every token in use old.
        try await withEtcdTestCluster(extraArguments: ["--auth-token", keys.jwtAuthTokenArgument]) { cluster in
            try await cluster.enableRootAuthentication()
            try await withEtcdClient(configuration: cluster.configuration()) { etcd in
                try await withEtcdClient(configuration: cluster.configuration()) { admin in
                    let seen = try await underLoad(etcd) {
                        // Changes come in bursts, as an operator's script makes them: a token got between two
                        // changes of a burst is old again at once. (etcd's Authenticate itself starts over while
                        // the store changes, so a burst is followed by a pause.)
                        for burst in 0..<6 {
                            try await admin.addRole("churn-role-\(burst)")
                            try await admin.addUser("churn-user-\(burst)", password: "p\(burst)")
                            try await admin.grantRole("churn-role-\(burst)", toUser: "churn-user-\(burst)")
                            try await admin.revokeRole("churn-role-\(burst)", fromUser: "churn-user-\(burst)")
                            try await Task.sleep(for: .milliseconds(250))
                        }
                    }
                    #expect(seen.errors.withLock { $0 }.isEmpty, "\(seen.errors.withLock { Set($0) })")
                    #expect(seen.successes.withLock { $0 } > 10)
                }
            }
        }
    }
}
