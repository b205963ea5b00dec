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
    func withClient<Result: Sendable>(
        endpoints: [String]? = nil,
        _ body: (EtcdClient) async throws -> Result
    ) async throws -> Result {
        let configuration = try GlobalFlags.configuration(arguments, endpoints: endpoints)
        let client: EtcdClient
        do {
            client = try EtcdClient(configuration: configuration)
        } catch let error as EtcdError {
            throw CommandError(.badArgs, error.message)
        }
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
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
