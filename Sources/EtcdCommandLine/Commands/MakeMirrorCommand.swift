import EtcdClientCore
import EtcdMirror

/// `make-mirror [options] <destination>`: copies the keys under a prefix to another cluster and follows them.
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
    ]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "make-mirror takes one destination argument")
        }
        let prefix = context.arguments.string("prefix")
        let destinationPrefix = context.arguments.string("dest-prefix")
        let noDestinationPrefix = try context.arguments.bool("no-dest-prefix")
        if noDestinationPrefix && !destinationPrefix.isEmpty {
            throw CommandError(
                .badArgs,
                "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one"
            )
        }
        let target = noDestinationPrefix ? "" : destinationPrefix.isEmpty ? prefix : destinationPrefix
        let destinationEndpoints = context.positionals[0].split(separator: ",").map(String.init)
        try await context.withClient { source in
            try await context.withClient(endpoints: destinationEndpoints) { destination in
                let mirror = EtcdClusterMirror(
                    source: source,
                    destination: destination,
                    prefix: EtcdKey(prefix),
                    destinationPrefix: EtcdKey(target)
                )
                try await Interruption.run { try await mirror.run() }
            }
        }
    }
}
