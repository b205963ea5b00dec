import Foundation

/// Where the tool writes: standard output and standard error, written unbuffered so that output interleaves
/// with a child command's (`lock NAME command`) in order.
struct TerminalOutput: Sendable {
    /// Writes `text` to standard output.
    func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` to standard error.
    func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal (for the snapshot progress bar).
    var errorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}
