import EtcdClientCore
import Foundation

/// The `etcd-swift` command-line tool: etcdctl's commands, flags, output and exit statuses, over the library.
public enum EtcdSwiftTool {
    /// Every command.
    static let commands: [any ToolCommand.Type] = [
        GetCommand.self, PutCommand.self, DeleteCommand.self, TxnCommand.self, WatchCommand.self,
        CompactionCommand.self, LeaseGrantCommand.self, LeaseRevokeCommand.self, LeaseTimeToLiveCommand.self,
        LeaseListCommand.self, LeaseKeepAliveCommand.self, LockCommand.self, ElectCommand.self,
        MemberListCommand.self, MemberAddCommand.self, MemberRemoveCommand.self, MemberUpdateCommand.self,
        MemberPromoteCommand.self, EndpointStatusCommand.self, EndpointHealthCommand.self, EndpointHashKVCommand.self,
        DefragCommand.self, AlarmListCommand.self, AlarmDisarmCommand.self, MoveLeaderCommand.self,
        SnapshotSaveCommand.self, UserAddCommand.self, UserDeleteCommand.self, UserGetCommand.self,
        UserListCommand.self, UserPasswordCommand.self, UserGrantRoleCommand.self, UserRevokeRoleCommand.self,
        RoleAddCommand.self, RoleDeleteCommand.self, RoleGetCommand.self, RoleListCommand.self,
        RoleGrantPermissionCommand.self, RoleRevokePermissionCommand.self, AuthEnableCommand.self,
        AuthDisableCommand.self, MakeMirrorCommand.self, VersionCommand.self,
    ]

    /// Runs the tool with `arguments` (without the program name) and returns its exit status.
    public static func main(
        arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> Int32 {
        let output = TerminalOutput()
        do {
            try await run(arguments, environment: environment, output: output)
            return 0
        } catch let error as CommandError {
            output.err("Error: \(error.message)\n")
            return error.code.rawValue
        } catch let status as ExitStatus {
            return status.code
        } catch let interrupted as Interruption.Interrupted {
            return interrupted.exitStatus
        } catch let error as EtcdError {
            output.err("Error: \(error.message)\n")
            return exitCode(for: error).rawValue
        } catch {
            output.err("Error: \(error)\n")
            return ExitCode.error.rawValue
        }
    }

    /// etcdctl's exit status for a failed call: refused credentials fail etcdctl's connection (a bad
    /// connection); anything else, an unreachable member included (etcdctl waits out its timeout), is an error.
    static func exitCode(for error: EtcdError) -> ExitCode {
        error.code == .authenticationFailed ? .badConnection : .error
    }

    private static func run(_ arguments: [String], environment: [String: String], output: TerminalOutput) async throws {
        let (words, wordIndices) = commandWords(arguments)
        guard let command = find(words) else {
            // No command, help, or a group's name alone (`etcd-swift lease`): the overview, as etcdctl's usage.
            let groups = Set(commands.compactMap { $0.path.count > 1 ? $0.path[0] : nil })
            if words.isEmpty || words == ["help"] || arguments.contains("--help") || arguments.contains("-h")
                || (words.count == 1 && groups.contains(words[0]))
            {
                output.out(HelpText.overview(commands))
                return
            }
            let name = words.joined(separator: " ")
            throw CommandError(
                .error,
                "unknown command \(GoText.quote(name)) for \"etcd-swift\"; run etcd-swift --help"
            )
        }
        let used = Set(wordIndices.prefix(command.path.count))
        let rest = arguments.indices.filter { !used.contains($0) }.map { arguments[$0] }
        var parsed = try ArgumentParser.parse(
            rest,
            specs: GlobalFlags.specs + command.flags,
            flagsEndAfter: command.flagsEndAfter
        )
        if try parsed.bool("help") {
            output.out(HelpText.command(command))
            return
        }
        ArgumentParser.applyEnvironment(environment, to: &parsed, names: GlobalFlags.environmentNames)
        let format = try OutputFormat(flag: parsed.string("write-out"))
        let context = CommandContext(
            arguments: parsed,
            environment: environment,
            output: output,
            printer: ResponsePrinter(format: format, isHex: try parsed.bool("hex")),
            standardInput: { Array(FileHandle.standardInput.readDataToEndOfFile()) }
        )
        try await command.run(context)
    }

    /// The words that are not global flags or their values, up to the first other flag, with their positions:
    /// global flags may come before the command's name, as with etcdctl.
    private static func commandWords(_ arguments: [String]) -> (words: [String], indices: [Int]) {
        let valued = Set(
            GlobalFlags.specs.filter { $0.kind != .bool }.flatMap { spec in
                ["--" + spec.name] + (spec.shorthand.map { ["-\($0)"] } ?? [])
            }
        )
        var words: [String] = []
        var indices: [Int] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("-") {
                if argument == "--" { break }
                index += valued.contains(argument) ? 2 : 1
                continue
            }
            words.append(argument)
            indices.append(index)
            if words.count == 2 { break }
            index += 1
        }
        return (words, indices)
    }

    /// The command the leading words name: the longest match.
    private static func find(_ words: [String]) -> (any ToolCommand.Type)? {
        commands.filter { words.starts(with: $0.path) }.max { $0.path.count < $1.path.count }
    }
}

/// `version`.
enum VersionCommand: ToolCommand {
    static let path = ["version"]
    static let arguments = ""
    static let summary = "Prints the version of etcd-swift"

    static func run(_ context: CommandContext) async throws {
        context.print("etcd-swift version: 0.1.0\nAPI version: 3.4\n")
    }
}
