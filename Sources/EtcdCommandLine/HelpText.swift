/// `--help` text.
enum HelpText {
    /// The list of commands.
    static func overview(_ commands: [any ToolCommand.Type]) -> String {
        var text = """
            NAME:
            \tetcd-swift - A command line client for etcd3, in Swift (etcdctl's commands, flags and output).

            USAGE:
            \tetcd-swift [global options] command [command options] [arguments...]

            COMMANDS:

            """
        let width = (commands.map { $0.path.joined(separator: " ").count }.max() ?? 0) + 2
        for command in commands {
            let name = command.path.joined(separator: " ")
            text += "\t" + name + String(repeating: " ", count: width - name.count) + command.summary + "\n"
        }
        text += "\nOPTIONS:\n" + GlobalFlags.specs.map { $0.helpLine + "\n" }.joined()
        text += "\nThe ETCDCTL_* variables set the global options, as for etcdctl (ETCDCTL_ENDPOINTS, ...).\n"
        return text
    }

    /// One command's help.
    static func command(_ command: any ToolCommand.Type) -> String {
        var text = "NAME:\n\t\(command.path.joined(separator: " ")) - \(command.summary)\n\n"
        text += "USAGE:\n\tetcd-swift \(command.path.joined(separator: " ")) \(command.arguments)\n"
        if !command.flags.isEmpty {
            text += "\nOPTIONS:\n" + command.flags.map { $0.helpLine + "\n" }.joined()
        }
        text += "\nGLOBAL OPTIONS:\n" + GlobalFlags.specs.map { $0.helpLine + "\n" }.joined()
        return text
    }
}
