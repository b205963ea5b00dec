import EtcdClientCore

/// `lease grant <ttl>`.
enum LeaseGrantCommand: ToolCommand {
    static let path = ["lease", "grant"]
    static let arguments = "<ttl>"
    static let summary = "Creates leases"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "lease grant command needs TTL argument")
        }
        guard let seconds = Int64(context.positionals[0]) else {
            throw CommandError(
                .badArgs,
                "bad TTL (strconv.ParseInt: parsing \(GoText.quote(context.positionals[0])): invalid syntax)"
            )
        }
        let grant: EtcdLeaseGrant
        do {
            grant = try await context.withClient { try await $0.grantLease(ttl: .seconds(seconds)) }
        } catch let error as EtcdError {
            throw CommandError(.error, "failed to grant lease (\(error.message))")
        }
        context.print(try context.printer.grant(grant))
    }
}

/// `lease revoke <leaseID>`.
enum LeaseRevokeCommand: ToolCommand {
    static let path = ["lease", "revoke"]
    static let arguments = "<leaseID>"
    static let summary = "Revokes leases"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "lease revoke command needs 1 argument")
        }
        let id = try LeaseArgument.id(context.positionals[0])
        let header: EtcdResponseHeader
        do {
            header = try await context.withClient { try await $0.revokeLease(id) }
        } catch let error as EtcdError {
            throw CommandError(.error, "failed to revoke lease (\(error.message))")
        }
        context.print(try context.printer.revoke(id, header))
    }
}

/// `lease timetolive <leaseID> [--keys]`.
enum LeaseTimeToLiveCommand: ToolCommand {
    static let path = ["lease", "timetolive"]
    static let arguments = "<leaseID> [options]"
    static let summary = "Get lease information"
    static let flags = [FlagSpec("keys", .bool, "Get keys attached to this lease")]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "lease timetolive command needs lease ID as argument")
        }
        let id = try LeaseArgument.id(context.positionals[0])
        let keys = try context.arguments.bool("keys")
        let answer: EtcdLeaseTimeToLive
        do {
            answer = try await context.withClient { try await $0.leaseTimeToLive(id, includeKeys: keys) }
        } catch let error as EtcdError {
            throw CommandError(.badConnection, error.message)  // etcdctl's status for this command's errors
        }
        context.print(try context.printer.timeToLive(answer, keys: keys))
    }
}

/// `lease list`.
enum LeaseListCommand: ToolCommand {
    static let path = ["lease", "list"]
    static let arguments = ""
    static let summary = "List all active leases"

    static func run(_ context: CommandContext) async throws {
        let (header, leases): (EtcdResponseHeader, [EtcdLeaseID])
        do {
            (header, leases) = try await context.withClient { try await $0.leasesWithHeader() }
        } catch let error as EtcdError {
            throw CommandError(.badConnection, error.message)  // etcdctl's status for this command's errors
        }
        context.print(try context.printer.leases(header, leases))
    }
}

/// `lease keep-alive [--once] <leaseID>`.
enum LeaseKeepAliveCommand: ToolCommand {
    static let path = ["lease", "keep-alive"]
    static let arguments = "[options] <leaseID>"
    static let summary = "Keeps leases alive (renew)"
    static let flags = [
        FlagSpec("once", .bool, "Resets the keep-alive time to its original value and exits immediately")
    ]

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.count == 1 else {
            throw CommandError(.badArgs, "lease keep-alive command needs lease ID as argument")
        }
        let id = try LeaseArgument.id(context.positionals[0])
        let printer = context.printer
        if try context.arguments.bool("once") {
            let heartbeat: EtcdLeaseHeartbeat
            do {
                heartbeat = try await context.withClient { try await $0.renewLease(id) }
            } catch let error as EtcdError {
                throw CommandError(.badConnection, error.message)
            }
            context.print(try printer.keepAlive(heartbeat))
            return
        }
        try await context.withClient { client in
            try await Interruption.run {
                try await client.keepAlive(id) { keepAlive in
                    do {
                        for try await heartbeat in keepAlive.heartbeats {
                            context.print(try printer.keepAlive(heartbeat))
                        }
                    } catch let error as EtcdError
                        where [.leaseExpired, .leaseRevoked, .leaseNotFound].contains(error.code)
                    {
                        return
                    }
                }
            }
        }
        if printer.format == .simple { context.print("lease \(ResponsePrinter.leaseText(id)) expired or revoked.\n") }
    }
}
