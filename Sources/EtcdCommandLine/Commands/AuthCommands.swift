import EtcdClientCore

/// `auth enable`.
enum AuthEnableCommand: ToolCommand {
    static let path = ["auth", "enable"]
    static let arguments = ""
    static let summary = "Enables authentication"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.isEmpty else {
            throw CommandError(.badArgs, "auth enable command does not accept any arguments")
        }
        try await context.withClient { client in
            do {
                try await client.enableAuthentication()
            } catch let error as EtcdError where error.code == .rootRoleNotExist {
                // As etcdctl: the root role is made and granted to root, then authentication is turned on.
                try await client.addRole("root")
                try await client.grantRole("root", toUser: "root")
                try await client.enableAuthentication()
            }
        }
        context.print("Authentication Enabled\n")
    }
}

/// `auth disable`.
enum AuthDisableCommand: ToolCommand {
    static let path = ["auth", "disable"]
    static let arguments = ""
    static let summary = "Disables authentication"

    static func run(_ context: CommandContext) async throws {
        guard context.positionals.isEmpty else {
            throw CommandError(.badArgs, "auth disable command does not accept any arguments")
        }
        try await context.withClient { try await $0.disableAuthentication() }
        context.print("Authentication Disabled\n")
    }
}

/// The one or two names a user or role command takes.
private func names(_ context: CommandContext, _ count: Int, _ usage: String) throws(CommandError) -> [String] {
    guard context.positionals.count == count else { throw CommandError(.badArgs, usage) }
    return context.positionals
}

/// `user add <user name or user:password>`.
enum UserAddCommand: ToolCommand {
    static let path = ["user", "add"]
    static let arguments = "<user name or user:password> [options]"
    static let summary = "Adds a new user"
    static let flags = [
        FlagSpec("new-user-password", .string, "Supply password from the command line flag"),
        FlagSpec("interactive", .bool, default: "true", "Read password from stdin instead of interactive terminal"),
    ]

    static func run(_ context: CommandContext) async throws {
        let given = try names(context, 1, "user add command requires user name as its argument")[0]
        var name = given
        var password = context.arguments.string("new-user-password")
        if password.isEmpty {
            guard let colon = given.firstIndex(of: ":") else {
                throw CommandError(.badArgs, "give the password as <user>:<password> or --new-user-password")
            }
            name = String(given[..<colon])
            password = String(given[given.index(after: colon)...])
        }
        let header = try await context.withClient { try await $0.addUser(name, password: password) }
        context.print(try context.printer.authChange("User \(name) created", header))
    }
}

/// `user delete <user name>`.
enum UserDeleteCommand: ToolCommand {
    static let path = ["user", "delete"]
    static let arguments = "<user name>"
    static let summary = "Deletes a user"

    static func run(_ context: CommandContext) async throws {
        let name = try names(context, 1, "user delete command requires user name as its argument")[0]
        let header = try await context.withClient { try await $0.deleteUser(name) }
        context.print(try context.printer.authChange("User \(name) deleted", header))
    }
}

/// `user get <user name>`.
enum UserGetCommand: ToolCommand {
    static let path = ["user", "get"]
    static let arguments = "<user name>"
    static let summary = "Gets detailed information of a user"

    static func run(_ context: CommandContext) async throws {
        let name = try names(context, 1, "user get command requires user name as its argument")[0]
        let (header, roles) = try await context.withClient { try await $0.userWithHeader(name) }
        context.print(try context.printer.user(name, roles: roles, header))
    }
}

/// `user list`.
enum UserListCommand: ToolCommand {
    static let path = ["user", "list"]
    static let arguments = ""
    static let summary = "Lists all users"

    static func run(_ context: CommandContext) async throws {
        _ = try names(context, 0, "user list command requires no arguments")
        let (header, users) = try await context.withClient { try await $0.usersWithHeader() }
        context.print(try context.printer.names(users, field: "users", header))
    }
}

/// `user passwd <user name> --new-user-password=...`.
enum UserPasswordCommand: ToolCommand {
    static let path = ["user", "passwd"]
    static let arguments = "<user name> [options]"
    static let summary = "Changes password of user"
    static let flags = [FlagSpec("new-user-password", .string, "Supply password from the command line flag")]

    static func run(_ context: CommandContext) async throws {
        let name = try names(context, 1, "user passwd command requires user name as its argument")[0]
        let password = context.arguments.string("new-user-password")
        guard !password.isEmpty else { throw CommandError(.badArgs, "give the new password with --new-user-password") }
        let header = try await context.withClient { try await $0.changePassword(ofUser: name, to: password) }
        context.print(try context.printer.authChange("Password updated", header))
    }
}

/// `user grant-role <user name> <role name>`.
enum UserGrantRoleCommand: ToolCommand {
    static let path = ["user", "grant-role"]
    static let arguments = "<user name> <role name>"
    static let summary = "Grants a role to a user"

    static func run(_ context: CommandContext) async throws {
        let given = try names(context, 2, "user grant command requires user name and role name as its argument")
        let header = try await context.withClient { try await $0.grantRole(given[1], toUser: given[0]) }
        context.print(try context.printer.authChange("Role \(given[1]) is granted to user \(given[0])", header))
    }
}

/// `user revoke-role <user name> <role name>`.
enum UserRevokeRoleCommand: ToolCommand {
    static let path = ["user", "revoke-role"]
    static let arguments = "<user name> <role name>"
    static let summary = "Revokes a role from a user"

    static func run(_ context: CommandContext) async throws {
        let given = try names(context, 2, "user revoke-role requires user name and role name as its argument")
        let header = try await context.withClient { try await $0.revokeRole(given[1], fromUser: given[0]) }
        context.print(try context.printer.authChange("Role \(given[1]) is revoked from user \(given[0])", header))
    }
}

/// `role add <role name>`.
enum RoleAddCommand: ToolCommand {
    static let path = ["role", "add"]
    static let arguments = "<role name>"
    static let summary = "Adds a new role"

    static func run(_ context: CommandContext) async throws {
        let name = try names(context, 1, "role add command requires role name as its argument")[0]
        let header = try await context.withClient { try await $0.addRole(name) }
        context.print(try context.printer.authChange("Role \(name) created", header))
    }
}

/// `role delete <role name>`.
enum RoleDeleteCommand: ToolCommand {
    static let path = ["role", "delete"]
    static let arguments = "<role name>"
    static let summary = "Deletes a role"

    static func run(_ context: CommandContext) async throws {
        let name = try names(context, 1, "role delete command requires role name as its argument")[0]
        let header = try await context.withClient { try await $0.deleteRole(name) }
        context.print(try context.printer.authChange("Role \(name) deleted", header))
    }
}

/// `role get <role name>`.
enum RoleGetCommand: ToolCommand {
    static let path = ["role", "get"]
    static let arguments = "<role name>"
    static let summary = "Gets detailed information of a role"

    static func run(_ context: CommandContext) async throws {
        let name = try names(context, 1, "role get command requires role name as its argument")[0]
        let (header, permissions) = try await context.withClient { try await $0.roleWithHeader(name) }
        context.print(try context.printer.role(name, permissions, header))
    }
}

/// `role list`.
enum RoleListCommand: ToolCommand {
    static let path = ["role", "list"]
    static let arguments = ""
    static let summary = "Lists all roles"

    static func run(_ context: CommandContext) async throws {
        _ = try names(context, 0, "role list command requires no arguments")
        let (header, roles) = try await context.withClient { try await $0.rolesWithHeader() }
        context.print(try context.printer.names(roles, field: "roles", header))
    }
}

/// The permission a `role grant-permission|revoke-permission` line names.
private func permissionRange(
    _ context: CommandContext,
    key: String,
    end: String?
) throws(CommandError)
    -> EtcdKeyRange
{
    try KeyRangeArguments.permissionRange(
        [key] + (end.map { [$0] } ?? []),
        prefix: try context.arguments.bool("prefix"),
        fromKey: try context.arguments.bool("from-key")
    )
}

/// `role grant-permission [options] <role name> <permission type> <key> [endkey]`.
enum RoleGrantPermissionCommand: ToolCommand {
    static let path = ["role", "grant-permission"]
    static let arguments = "[options] <role name> <permission type> <key> [endkey]"
    static let summary = "Grants a key to a role"
    static let flags = [
        FlagSpec("prefix", .bool, "grant a prefix permission"),
        FlagSpec("from-key", .bool, "grant a permission of keys that are greater than or equal to the given key"),
    ]

    static func run(_ context: CommandContext) async throws {
        let given = context.positionals
        guard (3...4).contains(given.count) else {
            throw CommandError(
                .badArgs,
                "role grant command requires role name, permission type, and key [endkey] as its argument"
            )
        }
        let access: EtcdPermission.Access
        switch given[1].lowercased() {
        case "read": access = .read
        case "write": access = .write
        case "readwrite": access = .readWrite
        default: throw CommandError(.badArgs, "invalid permission type \(given[1])")
        }
        let range = try permissionRange(context, key: given[2], end: given.count == 4 ? given[3] : nil)
        let header = try await context.withClient {
            try await $0.grantPermission(EtcdPermission(access, on: range), toRole: given[0])
        }
        context.print(try context.printer.authChange("Role \(given[0]) updated", header))
    }
}

/// `role revoke-permission <role name> <key> [endkey]`.
enum RoleRevokePermissionCommand: ToolCommand {
    static let path = ["role", "revoke-permission"]
    static let arguments = "<role name> <key> [endkey]"
    static let summary = "Revokes a key from a role"
    static let flags = [
        FlagSpec("prefix", .bool, "revoke a prefix permission"),
        FlagSpec("from-key", .bool, "revoke a permission of keys that are greater than or equal to the given key"),
    ]

    static func run(_ context: CommandContext) async throws {
        let given = context.positionals
        guard (2...3).contains(given.count) else {
            throw CommandError(
                .badArgs,
                "role revoke-permission command requires role name and key [endkey] as its argument"
            )
        }
        let range = try permissionRange(context, key: given[1], end: given.count == 3 ? given[2] : nil)
        let header = try await context.withClient { try await $0.revokePermission(on: range, fromRole: given[0]) }
        let start = String(decoding: range.start, as: UTF8.self)
        let sentence =
            range.end.isEmpty
            ? "Permission of key \(start) is revoked from role \(given[0])"
            : range.end == [0]
                ? "Permission of range [\(start), <open ended> is revoked from role \(given[0])"
                : "Permission of range [\(start), \(String(decoding: range.end, as: UTF8.self))) is revoked from role \(given[0])"
        context.print(try context.printer.authChange(sentence, header))
    }
}
