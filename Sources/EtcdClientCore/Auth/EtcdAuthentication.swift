/// How the client proves who it is.
public enum EtcdAuthentication: Sendable, Hashable, CustomStringConvertible {
    /// A user name and password: the client asks for a token, attaches it to every call and stream, and asks
    /// again once when the server says the token is invalid or expired.
    case password(username: String, password: String)

    /// The user name only: the password is never printed.
    public var description: String {
        switch self {
        case .password(let username, _): "password(username: \(username), password: <redacted>)"
        }
    }
}
