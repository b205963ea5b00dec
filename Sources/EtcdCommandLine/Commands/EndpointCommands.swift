import EtcdClientCore

/// The `--cluster` flag of the endpoint commands and `defrag`.
let clusterFlag = FlagSpec("cluster", .bool, "use all endpoints from the cluster member list")

/// `endpoint status [--cluster]`.
enum EndpointStatusCommand: ToolCommand {
    static let path = ["endpoint", "status"]
    static let arguments = ""
    static let summary = "Prints out the status of endpoints specified in `--endpoints` flag"
    static let flags = [clusterFlag]

    static func run(_ context: CommandContext) async throws {
        let cluster = try context.arguments.bool("cluster")
        let (statuses, failed) = try await context.withClient { client in
            var statuses: [(endpoint: String, status: EtcdStatusResponse)] = []
            let failed = try await context.forEachEndpoint(
                of: client,
                cluster: cluster,
                failure: { "Failed to get the status of endpoint \($0) (\($1.message))" }
            ) { text, endpoint in
                statuses.append((text, try await client.status(at: endpoint)))
            }
            return (statuses, failed)
        }
        context.print(try context.printer.endpointStatus(statuses))
        if failed { throw ExitStatus(code: ExitCode.error.rawValue) }
    }
}

/// `endpoint hashkv [--cluster] [--rev]`.
enum EndpointHashKVCommand: ToolCommand {
    static let path = ["endpoint", "hashkv"]
    static let arguments = ""
    static let summary = "Prints the KV history hash for each endpoint in --endpoints"
    static let flags = [
        clusterFlag, FlagSpec("rev", .int, default: "0", "maximum revision to hash (default: all revisions)"),
    ]

    static func run(_ context: CommandContext) async throws {
        let cluster = try context.arguments.bool("cluster")
        let revision = try context.arguments.int("rev")
        let (hashes, failed) = try await context.withClient { client in
            var hashes: [(endpoint: String, hash: UInt32, compactRevision: Int64, header: EtcdResponseHeader)] = []
            let failed = try await context.forEachEndpoint(
                of: client,
                cluster: cluster,
                failure: { "Failed to get the hash of endpoint \($0) (\($1.message))" }
            ) { text, endpoint in
                let answer = try await client.hashKV(revision: revision > 0 ? revision : nil, at: endpoint)
                hashes.append((text, answer.hash, answer.compactRevision, answer.header))
            }
            return (hashes, failed)
        }
        context.print(try context.printer.endpointHashKV(hashes))
        if failed { throw ExitStatus(code: ExitCode.error.rawValue) }
    }
}

/// `endpoint health [--cluster]`.
enum EndpointHealthCommand: ToolCommand {
    static let path = ["endpoint", "health"]
    static let arguments = ""
    static let summary = "Checks the healthiness of endpoints specified in `--endpoints` flag"
    static let flags = [clusterFlag]

    static func run(_ context: CommandContext) async throws {
        let cluster = try context.arguments.bool("cluster")
        let reports = try await context.withClient { client in
            let endpoints = try await context.endpointsOfCluster(client, cluster: cluster)
            return try await withThrowingTaskGroup(of: (Int, String, EtcdEndpointHealth).self) { group in
                for (index, text) in endpoints.enumerated() {
                    let endpoint = try context.endpoint(text)
                    group.addTask { (index, text, try await client.health(at: endpoint)) }
                }
                var reports: [(Int, String, EtcdEndpointHealth)] = []
                for try await report in group { reports.append(report) }
                return reports.sorted { $0.0 < $1.0 }.map { (endpoint: $0.1, health: $0.2) }
            }
        }
        let text = try context.printer.endpointHealth(reports)
        // etcdctl writes the simple report to standard error.
        if context.printer.format == .simple { context.output.err(text) } else { context.print(text) }
        if reports.contains(where: { !$0.health.isHealthy }) { throw CommandError(.error, "unhealthy cluster") }
    }
}

/// `defrag [--cluster]`.
enum DefragCommand: ToolCommand {
    static let path = ["defrag"]
    static let arguments = ""
    static let summary = "Defragments the storage of the etcd members with given endpoints"
    static let flags = [clusterFlag]

    static func run(_ context: CommandContext) async throws {
        let cluster = try context.arguments.bool("cluster")
        let failed = try await context.withClient { client in
            try await context.forEachEndpoint(
                of: client,
                cluster: cluster,
                failure: { "Failed to defragment etcd member[\($0)] (\($1.message))" }
            ) { text, endpoint in
                try await client.defragment(at: endpoint)
                context.print("Finished defragmenting etcd member[\(text)]\n")
            }
        }
        if failed { throw ExitStatus(code: ExitCode.error.rawValue) }
    }
}
