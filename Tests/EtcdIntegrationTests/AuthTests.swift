import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Authentication against a real etcd", .timeLimit(.minutes(1)))
struct AuthTests {
    @Test("calls go on across token expiry without an error reaching the caller")
    func tokenExpiry() async throws {
        try await withEtcdTestCluster(extraArguments: ["--auth-token-ttl", "1"]) { cluster in
            try await cluster.enableRootAuthentication()
            let records = EtcdTestLogRecorder()
            var configuration = cluster.configuration()
            configuration.logSink = records.sink
            configuration.logLevel = .trace
            try await withEtcdClient(configuration: configuration) { etcd in
                // etcd drops a simple token after one idle second: each call after an idle pause finds its token
                // expired, and the client authenticates again without the caller seeing an error.
                for round in 0..<3 {
                    try await etcd.put("auth/k", value: "\(round)")
                    #expect(try await etcd.get("auth/k")?.stringValue == "\(round)")
                    try await Task.sleep(for: .milliseconds(2_100))  // etcd drops expired tokens on a 1 s tick
                }
                // A watch opened with a token keeps working too.
                try await etcd.watch(.key("auth/k"), startRevision: 1) { responses in
                    for try await response in responses where !response.events.isEmpty { break }
                }
            }
            // Each refresh is logged, with the user name and never the password or the token.
            #expect(records.records("authenticated").count >= 3)
            #expect(records.records("the server rejected the auth token; authenticating again").count >= 2)
            #expect(records.records("authenticated").allSatisfy { $0.metadata["username"] == "root" })
            for record in records.all {
                #expect(!record.description.contains("root-secret"))
                #expect(!record.metadata.keys.contains("token"))
            }
        }
    }

    @Test("after the auth store changes, calls and new watches with the older token go on without an error")
    func authStoreChange() async throws {
        let keys = try EtcdTestCertificates()
        defer { keys.remove() }
        // JWT tokens carry the auth store's revision, so etcd refuses them with "revision of auth store is old"
        // after a change (simple tokens are checked against the current revision).
        try await withEtcdTestCluster(extraArguments: ["--auth-token", keys.jwtAuthTokenArgument]) { cluster in
            try await cluster.enableRootAuthentication()
            let records = EtcdTestLogRecorder()
            var configuration = cluster.configuration()
            configuration.logSink = records.sink
            try await withEtcdClient(configuration: configuration) { etcd in
                try await withEtcdClient(
                    configuration: cluster.configuration()
                ) {
                    admin in
                    try await etcd.put("auth/k", value: "1")
                    // Each change moves the auth store's revision past the one in etcd's token.
                    try await admin.addUser("someone", password: "p1")
                    try await etcd.put("auth/k", value: "2")
                    try await admin.addUser("someone-else", password: "p2")
                    try await etcd.watch(.key("auth/k"), startRevision: 1) { responses in
                        for try await response in responses where !response.events.isEmpty { break }
                    }
                    #expect(try await etcd.get("auth/k")?.stringValue == "2")
                }
            }
            #expect(records.records("the server rejected the auth token; authenticating again").count >= 2)
        }
    }

    @Test("wrong credentials fail at once with authenticationFailed; no credentials are refused")
    func wrongCredentials() async throws {
        try await withEtcdTestCluster { cluster in
            try await cluster.enableRootAuthentication()
            try await withEtcdClient(configuration: cluster.configuration(user: "root", password: "wrong")) { etcd in
                let clock = ContinuousClock()
                let start = clock.now
                let error = try await #require(throws: EtcdError.self) { try await etcd.get("auth/k") }
                #expect(error.code == .authenticationFailed)
                #expect(clock.now - start < .seconds(2))
                #expect(!error.description.contains("wrong"), "the password is never printed")
            }
            try await withEtcdClient(configuration: cluster.clientConfiguration) { anonymous in
                let error = try await #require(throws: EtcdError.self) { try await anonymous.put("auth/k", value: "v") }
                #expect(error.code == .userEmpty || error.code == .permissionDenied || error.code == .invalidAuthToken)
            }
        }
    }

    @Test("a user with read permission on a prefix can read there and cannot write")
    func readOnlyUser() async throws {
        try await withEtcdTestCluster { cluster in
            try await cluster.enableRootAuthentication()
            try await withEtcdClient(configuration: cluster.configuration()) {
                root in
                try await root.put("reports/daily", value: "42")
                try await root.addRole("reader")
                try await root.grantPermission(EtcdPermission(.read, on: .prefix("reports/")), toRole: "reader")
                try await root.addUser("alice", password: "alice-secret")
                try await root.grantRole("reader", toUser: "alice")
                #expect(try await root.user("alice") == ["reader"])
                #expect(try await root.role("reader") == [EtcdPermission(.read, on: .prefix("reports/"))])
                #expect(Set(try await root.users()) == ["root", "alice"])
                #expect(try await root.roles().contains("reader"))
            }
            try await withEtcdClient(configuration: cluster.configuration(user: "alice", password: "alice-secret")) {
                alice in
                #expect(try await alice.get("reports/daily")?.stringValue == "42")
                let write = try await #require(throws: EtcdError.self) {
                    try await alice.put("reports/daily", value: "0")
                }
                #expect(write.code == .permissionDenied)
                let elsewhere = try await #require(throws: EtcdError.self) { try await alice.get("secrets/x") }
                #expect(elsewhere.code == .permissionDenied)
            }
            try await withEtcdClient(configuration: cluster.configuration()) {
                root in
                try await root.revokePermission(on: .prefix("reports/"), fromRole: "reader")
                try await root.revokeRole("reader", fromUser: "alice")
                try await root.changePassword(ofUser: "alice", to: "new-secret")
                try await root.deleteUser("alice")
                try await root.deleteRole("reader")
                #expect(try await root.users() == ["root"])
                try await root.disableAuthentication()
            }
        }
    }
}
