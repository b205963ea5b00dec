import EtcdClientCore

/// What a command runs with: its arguments, the output and the way to the cluster.
struct CommandContext: Sendable {
    /// The parsed command line (global flags included).
    let arguments: ParsedArguments
    /// The environment.
    let environment: [String: String]
    /// Standard output and error.
    let output: TerminalOutput
    /// The `-w` format and `--hex`.
    let printer: ResponsePrinter
    /// The standard input, read on demand (`put` without a value, `txn`).
    let standardInput: @Sendable () -> [UInt8]

    /// The positional arguments.
    var positionals: [String] { arguments.positionals }

    /// Runs `body` with a client of the flags' endpoints (or `endpoints`), and closes it afterwards.
    @discardableResult
    func withClient<Result: Sendable>(
        endpoints: [String]? = nil,
        _ body: (EtcdClient) async throws -> Result
    ) async throws -> Result {
        try await Self.withClient(configuration: try GlobalFlags.configuration(arguments, endpoints: endpoints), body)
    }

    /// Runs `body` with a client of `configuration`, closed afterwards; a configuration the client cannot use (a
    /// TLS file that cannot be read) is a bad argument, as for etcdctl.
    @discardableResult
    static func withClient<Result: Sendable>(
        configuration: EtcdClient.Configuration,
        _ body: (EtcdClient) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withEtcdClient(configuration: configuration, body)
        } catch let error as EtcdError where error.code == .invalidConfiguration {
            throw CommandError(.badArgs, error.message)
        }
    }

    /// The endpoints of the flags, or with `--cluster` every member's client URL.
    func endpointsOfCluster(_ client: EtcdClient, cluster: Bool) async throws -> [String] {
        guard cluster else { return arguments.list("endpoints") }
        var urls: [String] = []
        for member in try await client.members().members {
            for url in member.clientURLs where !urls.contains(url) { urls.append(url) }
        }
        return urls
    }

    /// Runs `body` for each endpoint of the flags (or of the cluster), in order; an endpoint whose call fails gets
    /// `failure(endpoint, error)` on standard error, and the others go on.
    ///
    /// - Returns: whether any failed.
    func forEachEndpoint(
        of client: EtcdClient,
        cluster: Bool,
        failure: (String, EtcdError) -> String,
        _ body: (String, EtcdEndpoint) async throws -> Void
    ) async throws -> Bool {
        var failed = false
        for text in try await endpointsOfCluster(client, cluster: cluster) {
            do {
                try await body(text, try endpoint(text))
            } catch let error as EtcdError {
                failed = true
                output.err(failure(text, error) + "\n")
            }
        }
        return failed
    }

    /// An endpoint named on the command line.
    func endpoint(_ text: String) throws(CommandError) -> EtcdEndpoint {
        guard let endpoint = EtcdEndpoint(text) else {
            throw CommandError(.badArgs, "bad endpoint \(GoText.quote(text))")
        }
        return endpoint
    }

    /// Writes to standard output.
    func print(_ text: String) { output.out(text) }
}
