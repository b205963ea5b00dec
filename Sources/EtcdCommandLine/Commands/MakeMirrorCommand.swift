import EtcdClientCore
import EtcdMirror
import _EtcdTransport

/// `make-mirror [options] <destination>`: copies the keys under a prefix to another cluster, then applies each
/// change, as etcdctl does (Go's syncer: a base copy at one revision, then one transaction per source revision).
/// Unlike ``EtcdClusterMirror`` it deletes nothing on the first copy and keeps no checkpoint, as etcdctl.
enum MakeMirrorCommand: ToolCommand {
    static let path = ["make-mirror"]
    static let arguments = "[options] <destination>"
    static let summary = "Makes a mirror at the destination etcd cluster"
    static let flags = [
        FlagSpec("prefix", .string, "Key-value prefix to mirror"),
        FlagSpec(
            "dest-prefix",
            .string,
            "destination prefix to mirror a prefix to a different prefix in the destination cluster"
        ),
        FlagSpec("no-dest-prefix", .bool, "mirror key-values to the root of the destination cluster"),
        FlagSpec("dest-cacert", .string, "Verify certificates of TLS enabled secure servers using this CA bundle"),
        FlagSpec(
            "dest-cert",
            .string,
            "Identify secure client using this TLS certificate file for the destination cluster"
        ),
        FlagSpec("dest-key", .string, "Identify secure client using this TLS key file"),
        FlagSpec(
            "dest-insecure-transport",
            .bool,
            default: "true",
            "Disable transport security for client connections"
        ),
    ]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "make-mirror takes one destination argument")
        }
        let prefix = context.arguments.string("prefix")
        let destinationPrefix = context.arguments.string("dest-prefix")
        if try context.arguments.bool("no-dest-prefix") && !destinationPrefix.isEmpty {
            throw CommandError(
                .badArgs,
                "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one"
            )
        }
        let target =
            try context.arguments.bool("no-dest-prefix") ? "" : destinationPrefix.isEmpty ? prefix : destinationPrefix
        let destinationConfiguration = try destination(context)
        try await context.withClient { source in
            try await CommandContext.withClient(configuration: destinationConfiguration) { destination in
                try await follow(source: source, destination: destination, prefix: prefix, target: target, context)
            }
        }
    }

    /// Mirrors until Ctrl-C, printing etcdctl's running count every 30 seconds.
    private static func follow(
        source: EtcdClient,
        destination: EtcdClient,
        prefix: String,
        target: String,
        _ context: CommandContext
    ) async throws {
        let total = RunningCount()
        try await Interruption.run {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(30))
                        context.print("\(total.value)\n")
                    }
                }
                group.addTask {
                    try await mirror(from: source, to: destination, prefix: prefix, target: target, copied: total.add)
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Copies, then follows: each source revision becomes one transaction in the destination.
    private static func mirror(
        from source: EtcdClient,
        to destination: EtcdClient,
        prefix: String,
        target: String,
        copied: @Sendable (Int) -> Void
    ) async throws {
        let prefixBytes = Array(prefix.utf8)
        let targetBytes = Array(target.utf8)
        func moved(_ key: EtcdKey) -> EtcdKey {
            guard key.bytes.starts(with: prefixBytes) else { return key }
            return EtcdKey(bytes: targetBytes + key.bytes.dropFirst(prefixBytes.count))
        }
        let syncer = EtcdSyncer(client: source, range: .prefix(EtcdKey(prefix)))
        var revision: Int64 = 0
        for try await page in syncer.basePages() {
            revision = page.revision
            for keyValue in page.keyValues {
                try await destination.put(moved(keyValue.key), value: keyValue.value)
                copied(1)
            }
        }
        try await syncer.updates(after: revision) { responses in
            for try await response in responses {
                var operations: [EtcdOperation] = []
                var lastRevision: Int64 = 0
                for event in response.events {
                    if lastRevision != 0 && event.revision > lastRevision {
                        _ = try await destination.txn(if: [], then: operations)
                        operations = []
                    }
                    lastRevision = event.revision
                    let key = moved(event.keyValue.key)
                    operations.append(event.kind == .put ? .put(key, value: event.keyValue.value) : .delete(key))
                    copied(1)
                }
                if !operations.isEmpty { _ = try await destination.txn(if: [], then: operations) }
            }
        }
    }

    /// The destination client: the one endpoint given, its own TLS flags, no credentials (as etcdctl).
    private static func destination(_ context: CommandContext) throws(CommandError) -> EtcdClient.Configuration {
        let text = context.positionals[0]
        var configuration = EtcdClient.Configuration(endpoints: [try context.endpoint(text)])
        configuration.connectTimeout = try context.arguments.duration("dial-timeout")
        configuration.defaultCallOptions.timeout = try context.arguments.duration("command-timeout")
        let ca = context.arguments.string("dest-cacert")
        let cert = context.arguments.string("dest-cert")
        let key = context.arguments.string("dest-key")
        let insecure = try context.arguments.bool("dest-insecure-transport")
        if !ca.isEmpty || !cert.isEmpty || !key.isEmpty || !insecure || text.hasPrefix("https://") {
            configuration.tls = EtcdTLS(
                trustedCAFile: ca.isEmpty ? nil : ca,
                certificateFile: cert.isEmpty ? nil : cert,
                keyFile: key.isEmpty ? nil : key
            )
        }
        return configuration
    }
}

/// How many keys were copied so far, shared with the task that prints it.
private final class RunningCount: Sendable {
    private let count = LockedValue(0)

    var value: Int { count.withLock { $0 } }

    @Sendable func add(_ more: Int) { count.withLock { $0 += more } }
}
