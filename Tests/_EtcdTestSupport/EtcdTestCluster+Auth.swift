import EtcdClientCore
import EtcdTesting

extension EtcdTestCluster {
    /// The password ``enableRootAuthentication()`` gives `root`.
    package static let rootPassword = "root-secret"

    /// Creates `root` (with the root role, password ``rootPassword``) and turns authentication on.
    ///
    /// - Throws: what the calls throw.
    package func enableRootAuthentication() async throws {
        try await withEtcdClient(configuration: clientConfiguration) { admin in
            try await admin.addUser("root", password: Self.rootPassword)
            try await admin.grantRole("root", toUser: "root")
            try await admin.enableAuthentication()
        }
    }

    /// ``clientConfiguration`` with `user`'s credentials (`root` by default).
    package func configuration(user: String = "root", password: String = rootPassword) -> EtcdClient.Configuration {
        var configuration = clientConfiguration
        configuration.authentication = .password(username: user, password: password)
        return configuration
    }
}
