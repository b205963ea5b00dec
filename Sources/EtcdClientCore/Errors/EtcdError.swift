/// The one error type of this package.
///
/// Every error the etcd server documents maps to a named ``Code``; anything else keeps its gRPC status
/// code and message. A caller whose task is cancelled gets `CancellationError`, not this type.
/// The description never contains keys' values, passwords or tokens.
public struct EtcdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var code: Code
    /// The server's message, or the client's explanation.
    public var message: String
    /// The gRPC status code the server sent, when the error came from a status.
    public var grpcStatusCode: Int?
    /// The endpoint (`host:port`) involved, for connection errors.
    public var endpoint: String?
    /// For ``Code/compacted``: the revision the store was compacted to, when the server said.
    public var compactRevision: Int64?
    /// Whether the request certainly had no effect, so that it is safe to send again: it never reached a server,
    /// or the server refused it before acting on it (``Code/tooManyRequests``).
    public var requestNotSent: Bool

    /// Creates an error.
    public init(
        _ code: Code,
        message: String = "",
        grpcStatusCode: Int? = nil,
        endpoint: String? = nil,
        compactRevision: Int64? = nil,
        requestNotSent: Bool = false
    ) {
        self.code = code
        self.message = message
        self.grpcStatusCode = grpcStatusCode
        self.endpoint = endpoint
        self.compactRevision = compactRevision
        self.requestNotSent = requestNotSent
    }

    /// The code, message, and endpoint or compact revision where known.
    public var description: String {
        var text = "EtcdError.\(code)"
        if !message.isEmpty { text += ": \(message)" }
        if let endpoint { text += " (endpoint \(endpoint))" }
        if let compactRevision { text += " (compact revision \(compactRevision))" }
        if let grpcStatusCode, code == .unknown { text += " (gRPC status \(grpcStatusCode))" }
        return text
    }
}
