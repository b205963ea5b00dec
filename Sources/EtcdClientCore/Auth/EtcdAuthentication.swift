/// How the client proves who it is.
///
/// A struct with static constructors rather than an enum, so that more ways (a token, a certificate's common
/// name) can be added without breaking code that switches over it.
public struct EtcdAuthentication: Sendable, Hashable, CustomStringConvertible {
    /// The ways there are.
    enum Method: Sendable, Hashable {
        case password(username: String, password: String)
    }

    /// The way this one uses.
    let method: Method

    /// A user name and password: the client asks for a token, attaches it to every call and stream, and asks
    /// again once when the server says the token is invalid or expired.
    public static func password(username: String, password: String) -> EtcdAuthentication {
        EtcdAuthentication(method: .password(username: username, password: password))
    }

    /// The user the client authenticates as.
    public var username: String {
        switch method {
        case .password(let username, _): username
        }
    }

    /// The user name only: the password is never printed.
    public var description: String {
        switch method {
        case .password(let username, _): "password(username: \(username), password: <redacted>)"
        }
    }
}
