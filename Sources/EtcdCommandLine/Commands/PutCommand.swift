import EtcdClientCore

/// `put [options] <key> <value>`, the value possibly from standard input.
enum PutCommand: ToolCommand {
    static let path = ["put"]
    static let arguments = "[options] <key> <value> (<value> can also be given from stdin)"
    static let summary = "Puts the given key into the store"
    static let flags = [
        FlagSpec("lease", .string, default: "0", "lease ID (in hexadecimal) to attach to the key"),
        FlagSpec("prev-kv", .bool, "return the previous key-value pair before modification"),
        FlagSpec("ignore-value", .bool, "updates the key using its current value"),
        FlagSpec("ignore-lease", .bool, "updates the key using its current lease"),
    ]

    static func run(_ context: CommandContext) async throws {
        let request = try request(context.arguments, standardInput: context.standardInput)
        let response = try await context.withClient { try await $0.put(request) }
        context.print(try context.printer.put(response))
    }

    /// The write the flags and arguments describe.
    static func request(
        _ arguments: ParsedArguments,
        standardInput: () -> [UInt8]
    ) throws(CommandError) -> EtcdPutRequest {
        let positionals = arguments.positionals
        let usage = "put command needs 1 argument and input from stdin or 2 arguments"
        guard let key = positionals.first else { throw CommandError(.badArgs, usage) }
        let ignoreValue = try arguments.bool("ignore-value")
        if ignoreValue && positionals.count > 1 {
            throw CommandError(.badArgs, "put command needs only 1 argument when 'ignore-value' is set")
        }
        let value: EtcdPutRequest.Value
        if ignoreValue {
            value = .keepCurrent
        } else if positionals.count > 1 {
            value = .set(Array(positionals[1].utf8))
        } else {
            let input = standardInput()
            guard !input.isEmpty else { throw CommandError(.badArgs, usage) }
            value = .set(input)
        }
        let lease: EtcdPutRequest.Lease
        if try arguments.bool("ignore-lease") {
            lease = .keepCurrent
        } else {
            let id = try LeaseArgument.id(arguments.string("lease"), message: "bad lease ID")
            lease = id.rawValue == 0 ? .none : .id(id)
        }
        return EtcdPutRequest(
            EtcdKey(key),
            value: value,
            lease: lease,
            includePrevious: try arguments.bool("prev-kv")
        )
    }
}
