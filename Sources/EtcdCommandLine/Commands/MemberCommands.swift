import EtcdClientCore

/// The member ID argument of `member remove|update|promote`, in hexadecimal.
private func memberID(_ positionals: [String]) throws(CommandError) -> UInt64 {
    guard let text = positionals.first else { throw CommandError(.badArgs, "member ID is not provided") }
    guard let id = UInt64(text, radix: 16) else {
        throw CommandError(
            .badArgs,
            "bad member ID arg (strconv.ParseUint: parsing \(GoText.quote(text)): invalid syntax), expecting ID in Hex"
        )
    }
    return id
}

/// `member list`.
enum MemberListCommand: ToolCommand {
    static let path = ["member", "list"]
    static let arguments = ""
    static let summary = "Lists all members in the cluster"

    static func run(_ context: CommandContext) async throws {
        let response = try await context.withClient { try await $0.members() }
        context.print(try context.printer.memberList(response))
    }
}

/// `member add <memberName> --peer-urls=... [--learner]`.
enum MemberAddCommand: ToolCommand {
    static let path = ["member", "add"]
    static let arguments = "<memberName> [options]"
    static let summary = "Adds a member into the cluster"
    static let flags = [
        FlagSpec("peer-urls", .string, "comma separated peer URLs for the new member."),
        FlagSpec("learner", .bool, "indicates if the new member is raft learner"),
    ]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else { throw CommandError(.badArgs, "member name not provided") }
        let name = context.positionals[0]
        let urlText = context.arguments.string("peer-urls")
        guard !urlText.isEmpty else { throw CommandError(.badArgs, "member peer urls not provided") }
        let urls = urlText.split(separator: ",").map(String.init)
        let learner = try context.arguments.bool("learner")
        let response = try await context.withClient { try await $0.addMember(peerURLs: urls, asLearner: learner) }
        guard let added = response.added else { throw CommandError(.error, "etcd did not return the new member") }
        var text = try context.printer.memberChange(added.id, verb: "added to", response)
        if context.printer.format == .simple {
            let cluster = response.members.flatMap { member in
                member.peerURLs.map { "\(member.id == added.id ? name : member.name)=\($0)" }
            }
            text += "\nETCD_NAME=\(GoText.quote(name))\n"
            text += "ETCD_INITIAL_CLUSTER=\(GoText.quote(cluster.joined(separator: ",")))\n"
            text += "ETCD_INITIAL_ADVERTISE_PEER_URLS=\(GoText.quote(urlText))\n"
            text += "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n"
        }
        context.print(text)
    }
}

/// `member remove <memberID>`.
enum MemberRemoveCommand: ToolCommand {
    static let path = ["member", "remove"]
    static let arguments = "<memberID>"
    static let summary = "Removes a member from the cluster"

    static func run(_ context: CommandContext) async throws {
        let id = try memberID(context.positionals)
        let response = try await context.withClient { try await $0.removeMember(id: id) }
        context.print(try context.printer.memberChange(id, verb: "removed from", response))
    }
}

/// `member update <memberID> --peer-urls=...`.
enum MemberUpdateCommand: ToolCommand {
    static let path = ["member", "update"]
    static let arguments = "<memberID> [options]"
    static let summary = "Updates a member in the cluster"
    static let flags = [FlagSpec("peer-urls", .string, "comma separated peer URLs for the updated member.")]

    static func run(_ context: CommandContext) async throws {
        let id = try memberID(context.positionals)
        let urlText = context.arguments.string("peer-urls")
        guard !urlText.isEmpty else { throw CommandError(.badArgs, "member peer urls not provided") }
        let urls = urlText.split(separator: ",").map(String.init)
        let response = try await context.withClient { try await $0.updateMember(id: id, peerURLs: urls) }
        context.print(try context.printer.memberChange(id, verb: "updated in", response))
    }
}

/// `member promote <memberID>`.
enum MemberPromoteCommand: ToolCommand {
    static let path = ["member", "promote"]
    static let arguments = "<memberID>"
    static let summary = "Promotes a non-voting member in the cluster"

    static func run(_ context: CommandContext) async throws {
        let id = try memberID(context.positionals)
        let response = try await context.withClient { try await $0.promoteMember(id: id) }
        context.print(try context.printer.memberChange(id, verb: "promoted in", response))
    }
}
