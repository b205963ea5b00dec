/// A failure of the test kit itself, not of etcd or the client: a missing binary, a member that would not start,
/// a port that could not be bound.
public struct EtcdTestingError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with what to do about it when that is known (such as the Debian package to install).
    public let description: String

    /// Creates an error with its description.
    public init(_ description: String) {
        self.description = description
    }
}
