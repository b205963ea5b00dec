/// etcdctl's `-w` formats.
enum OutputFormat: String, Sendable, CaseIterable {
    case simple
    case json
    case fields
    case table
    case protobuf

    /// The format named by `-w`.
    ///
    /// - Throws: ``CommandError`` (``ExitCode/badFeature``) for another name, as etcdctl.
    init(flag: String) throws(CommandError) {
        guard let format = OutputFormat(rawValue: flag) else {
            throw CommandError(.badFeature, "unsupported output format")
        }
        self = format
    }

    /// The error etcdctl gives for a command that cannot print in this format.
    var unsupported: CommandError {
        CommandError(.badFeature, "\(rawValue) not supported as output format")
    }
}
