import EtcdClientCore
import Foundation

/// What the examples share: where etcd is, and how a failure is reported.
public enum Example {
    /// The client configuration of an example: the endpoint from the first argument, `$ETCD_ENDPOINT` or
    /// `127.0.0.1:2379` (the program exits with status 2 when it is not one), calls of at most 5 seconds, and what the
    /// client tells an operator (connects, failovers, retries) on standard error when `logsClient` is set.
    ///
    /// - Parameter address: the endpoint, when the program's arguments mean something else.
    public static func configuration(address given: String? = nil, logsClient: Bool = true) -> EtcdClient.Configuration
    {
        let environment = ProcessInfo.processInfo.environment
        let address =
            given ?? CommandLine.arguments.dropFirst().first ?? environment["ETCD_ENDPOINT"] ?? "127.0.0.1:2379"
        guard let endpoint = EtcdEndpoint(address) else { fail("not an endpoint: \(address)", status: 2) }
        var configuration = EtcdClient.Configuration(endpoints: [endpoint])
        configuration.defaultCallOptions.timeout = .seconds(5)
        if logsClient {
            configuration.logLevel = .info
            configuration.logSink = { record in FileHandle.standardError.write(Data("etcd: \(record)\n".utf8)) }
        }
        return configuration
    }

    /// Prints `message` on standard error, prefixed with the program's name, and exits with `status`.
    public static func fail(_ message: String, status: Int32 = 1) -> Never {
        let program = (CommandLine.arguments.first ?? "example").split(separator: "/").last ?? "example"
        FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
        exit(status)
    }
}
