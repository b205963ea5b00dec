import _EtcdTransport
import _EtcdWire

extension EtcdError {
    /// etcd's fixed error messages (`etcdserver/api/v3rpc/rpctypes/error.go`) and their codes.
    static let serverMessages: [String: Code] = [
        "etcdserver: key is not provided": .emptyKey,
        "etcdserver: key not found": .keyNotFound,
        "etcdserver: value is provided": .valueProvided,
        "etcdserver: lease is provided": .leaseProvided,
        "etcdserver: too many operations in txn request": .tooManyOperations,
        "etcdserver: duplicate key given in txn request": .duplicateKey,
        "etcdserver: mvcc: required revision has been compacted": .compacted,
        "etcdserver: mvcc: required revision is a future revision": .futureRevision,
        "etcdserver: mvcc: database space exceeded": .noSpace,
        "etcdserver: requested lease not found": .leaseNotFound,
        "etcdserver: lease already exists": .leaseExists,
        "etcdserver: too large lease TTL": .leaseTTLTooLarge,
        "etcdserver: watch canceled": .watchCancelled,
        "etcdserver: member ID already exist": .memberExists,
        "etcdserver: Peer URLs already exists": .peerURLExists,
        "etcdserver: re-configuration failed due to not enough started members": .memberNotEnoughStarted,
        "etcdserver: given member URLs are invalid": .memberBadURLs,
        "etcdserver: member not found": .memberNotFound,
        "etcdserver: can only promote a learner member": .memberNotLearner,
        "etcdserver: can only promote a learner member which is in sync with leader": .learnerNotReady,
        "etcdserver: too many learner members in cluster": .tooManyLearners,
        "etcdserver: request is too large": .requestTooLarge,
        "etcdserver: too many requests": .tooManyRequests,
        "etcdserver: root user does not exist": .rootUserNotExist,
        "etcdserver: root user does not have root role": .rootRoleNotExist,
        "etcdserver: user name already exists": .userAlreadyExists,
        "etcdserver: user name is empty": .userEmpty,
        "etcdserver: user name not found": .userNotFound,
        "etcdserver: role name already exists": .roleAlreadyExists,
        "etcdserver: role name not found": .roleNotFound,
        "etcdserver: role name is empty": .roleEmpty,
        "etcdserver: authentication failed, invalid user ID or password": .authenticationFailed,
        "etcdserver: permission denied": .permissionDenied,
        "etcdserver: role is not granted to the user": .roleNotGranted,
        "etcdserver: permission is not granted to the role": .permissionNotGranted,
        "etcdserver: authentication is not enabled": .authNotEnabled,
        "etcdserver: invalid auth token": .invalidAuthToken,
        "etcdserver: invalid auth management": .invalidAuthManagement,
        "etcdserver: revision of auth store is old": .authOldRevision,
        "etcdserver: no leader": .noLeader,
        "etcdserver: not leader": .notLeader,
        "etcdserver: leader changed": .leaderChanged,
        "etcdserver: not capable": .notCapable,
        "etcdserver: server stopped": .serverStopped,
        "etcdserver: request timed out": .serverTimeout,
        "etcdserver: request timed out, possibly due to previous leader failure": .serverTimeout,
        "etcdserver: request timed out, possibly due to connection lost": .serverTimeout,
        "etcdserver: request timed out, waiting for the applied index took too long": .serverTimeout,
        "etcdserver: unhealthy cluster": .unhealthy,
        "etcdserver: corrupt cluster": .corrupt,
        "etcdserver: rpc not supported for learner": .notSupportedForLearner,
        "etcdserver: bad leader transferee": .badLeaderTransferee,
    ]

    /// The texts of errors that etcd 3.5 sometimes passes on untranslated (gRPC `Unknown` with the Go error's
    /// text), and their codes: the auth store's (`auth/store.go`), the MVCC store's and the lessor's.
    static let untranslatedServerMessages: [String: Code] = [
        "auth: root user does not exist": .rootUserNotExist,
        "auth: root user does not have root role": .rootRoleNotExist,
        "auth: user already exists": .userAlreadyExists,
        "auth: user name is empty": .userEmpty,
        "auth: user not found": .userNotFound,
        "auth: role already exists": .roleAlreadyExists,
        "auth: role not found": .roleNotFound,
        "auth: role name is empty": .roleEmpty,
        "auth: authentication failed, invalid user ID or password": .authenticationFailed,
        "auth: permission denied": .permissionDenied,
        "auth: role is not granted to the user": .roleNotGranted,
        "auth: permission is not granted to the role": .permissionNotGranted,
        "auth: authentication is not enabled": .authNotEnabled,
        "auth: revision in header is old": .authOldRevision,
        "auth: invalid auth token": .invalidAuthToken,
        "auth: invalid auth management": .invalidAuthManagement,
        "mvcc: required revision has been compacted": .compacted,
        "mvcc: required revision is a future revision": .futureRevision,
        "lease not found": .leaseNotFound,
        "lease already exists": .leaseExists,
        "too large lease TTL": .leaseTTLTooLarge,
    ]

    /// The message etcd sends when the deadline of a request's context passed inside the server: the one the
    /// client sent with the request, or the member's own (a member cut off from its peers cannot commit or
    /// confirm a read).
    static let contextDeadlineMessage = "context deadline exceeded"

    /// The code of one of etcd's fixed messages, given bare (`etcdserver: permission denied`) or as the text of
    /// a gRPC status error (`rpc error: code = PermissionDenied desc = etcdserver: permission denied`), as
    /// etcd writes a watch's cancel reason.
    static func code(forServerMessage message: String) -> Code? {
        if let known = serverMessages[message] ?? untranslatedServerMessages[message] { return known }
        guard message.hasPrefix("rpc error: "), let description = message.firstRange(of: " desc = ") else { return nil }
        let text = String(message[description.upperBound...])
        return serverMessages[text] ?? untranslatedServerMessages[text]
    }

    /// The error for a gRPC status the server sent.
    package init(status: GRPCStatus) {
        let code: Code
        if let known = Self.code(forServerMessage: status.message) {
            code = known
        } else if status.code == .unknown && status.message == Self.contextDeadlineMessage {
            code = .serverTimeout
        } else if status.code == .resourceExhausted && status.message.hasPrefix(GRPCStatus.responseTooLargePrefix) {
            code = .responseTooLarge
        } else if status.code == .resourceExhausted && status.message.contains("message larger than max") {
            code = .requestTooLarge  // gRPC's own message size limit, above etcd's request limit
        } else {
            switch status.code {
            case .deadlineExceeded: code = .deadlineExceeded
            case .cancelled: code = .cancelled
            case .unauthenticated: code = .unauthenticated
            case .permissionDenied: code = .permissionDenied
            case .invalidArgument: code = .invalidArgument
            case .unavailable: code = .unavailable
            default: code = .unknown
            }
        }
        self.init(
            code,
            message: status.message,
            grpcStatusCode: status.code.rawValue,
            requestNotSent: status.requestNotSent || code.refusedBeforeActing
        )
    }

    /// The error for a failed connection; it names the endpoint.
    package init(connection error: GRPCConnectionError) {
        let reason: String
        switch error.reason {
        case .resolutionFailed: reason = "could not resolve the endpoint"
        case .connectFailed: reason = "could not connect"
        case .connectionLost: reason = "the connection was lost"
        case .keepaliveTimeout: reason = "the server stopped answering keepalive pings"
        // Either side may have stopped new calls (a GOAWAY, or the client draining it): the detail says which.
        case .goingAway: reason = "the connection takes no new calls"
        case .protocolError: reason = "the server broke the HTTP/2 protocol"
        case .tlsFailed: reason = "the TLS handshake failed"
        case .retired: reason = "the client moved to another endpoint"
        case .closed: reason = "the connection was closed"
        }
        let detail = error.detail.isEmpty ? reason : "\(reason): \(error.detail)"
        let code: Code =
            switch error.reason {
            case .closed: .clientClosed
            case .tlsFailed: .tlsFailed
            default: .connectionFailed
            }
        self.init(
            code,
            message: detail,
            endpoint: error.endpoint,
            requestNotSent: error.requestNotSent
        )
    }

    /// The error for a response that could not be decoded.
    init(decoding error: ProtobufDecodingError, method: String) {
        self.init(.malformedResponse, message: "could not decode the response of \(method): \(error)")
    }
}

extension EtcdError.Code {
    /// Whether the server refused the request's auth token in a way a new token fixes: the token expired or was
    /// revoked (`invalidAuthToken`), or the auth store changed since it was issued (`authOldRevision`), as the
    /// Go client treats them.
    var asksForNewToken: Bool { self == .invalidAuthToken || self == .authOldRevision }

    /// Whether the server refused the request before acting on it, so that any call, even a write, is safe to
    /// send again after a pause.
    var refusedBeforeActing: Bool { self == .tooManyRequests }
}
