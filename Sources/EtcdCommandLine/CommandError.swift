/// etcdctl's exit statuses.
enum ExitCode: Int32, Sendable {
    case success = 0
    case error = 1
    case badConnection = 2
    case invalidInput = 3
    case badFeature = 4
    case interrupted = 5
    case io = 6
    case badArgs = 128
}

/// A failure that ends the tool: printed as one `Error: ...` line on standard error, with etcdctl's exit status.
struct CommandError: Error, Sendable {
    /// The exit status.
    let code: ExitCode
    /// What went wrong.
    let message: String

    init(_ code: ExitCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
