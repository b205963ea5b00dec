/// One command of the tool, such as `get` or `lease grant`.
protocol ToolCommand: SendableMetatype {
    /// The words that name it, such as `["lease", "grant"]`.
    static var path: [String] { get }
    /// The arguments after the name, for `--help`, such as `[options] <key> [range_end]`.
    static var arguments: String { get }
    /// One line on what it does.
    static var summary: String { get }
    /// Its own flags (the global ones are added to every command).
    static var flags: [FlagSpec] { get }
    /// After how many positional arguments flags stop being parsed (for a command that runs another), if ever.
    static var flagsEndAfter: Int? { get }
    /// Runs the command.
    ///
    /// - Throws: ``CommandError`` for etcdctl's own errors; `EtcdError` from the calls (printed as etcdctl does).
    static func run(_ context: CommandContext) async throws
}

extension ToolCommand {
    static var flags: [FlagSpec] { [] }
    static var flagsEndAfter: Int? { nil }
}
