extension EtcdError {
    /// What went wrong, as a named code. Codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, such as `compacted`.
        public let name: String

        /// Creates a code; the other modules of this package add theirs with it, so that there is one error type.
        package init(_ name: String) { self.name = name }

        /// The code's name.
        public var description: String { name }

        // MARK: Requests

        /// The request had no key (`etcdserver: key is not provided`).
        public static let emptyKey = Code("emptyKey")
        /// The key was not found where it must exist, as with a put that keeps the current value.
        public static let keyNotFound = Code("keyNotFound")
        /// A value was given where the request keeps the current one.
        public static let valueProvided = Code("valueProvided")
        /// A lease was given where the request keeps the current one.
        public static let leaseProvided = Code("leaseProvided")
        /// A transaction had more operations than the server allows (`--max-txn-ops`, 128 by default).
        public static let tooManyOperations = Code("tooManyOperations")
        /// A transaction wrote the same key twice.
        public static let duplicateKey = Code("duplicateKey")
        /// The request is larger than the server accepts (`--max-request-bytes`, 1.5 MiB by default), or than the
        /// client sends (``EtcdClient/Configuration/maxRequestBytes``, checked before anything is sent).
        public static let requestTooLarge = Code("requestTooLarge")
        /// The response is larger than ``EtcdClient/Configuration/maxResponseBytes``: the client reset the stream
        /// without reading it. Ask for less (a `limit`, a narrower range, keys only) or raise the limit.
        public static let responseTooLarge = Code("responseTooLarge")
        /// A snapshot's data does not end with the SHA-256 of what comes before it: it was cut short or damaged.
        public static let snapshotCorrupted = Code("snapshotCorrupted")
        /// The member refused the request before acting on it, because applying the log lags behind committing
        /// it; nothing was applied. The client sends such a call again after a growing pause, within its
        /// deadline, so a caller sees this only when the member stayed overloaded.
        public static let tooManyRequests = Code("tooManyRequests")
        /// The server rejected an argument for a reason without its own code.
        public static let invalidArgument = Code("invalidArgument")

        // MARK: Revisions and storage

        /// The revision asked for was compacted; see ``EtcdError/compactRevision``.
        public static let compacted = Code("compacted")
        /// The revision asked for is newer than the store's.
        public static let futureRevision = Code("futureRevision")
        /// The database reached its space quota; only reads and deletions work until it is defragmented.
        public static let noSpace = Code("noSpace")
        /// The cluster's data is corrupt.
        public static let corrupt = Code("corrupt")

        // MARK: Leases

        /// The lease does not exist (it expired or was revoked).
        public static let leaseNotFound = Code("leaseNotFound")
        /// A lease with the chosen ID already exists.
        public static let leaseExists = Code("leaseExists")
        /// The lease TTL is larger than the server allows.
        public static let leaseTTLTooLarge = Code("leaseTTLTooLarge")
        /// The lease expired: no renewal reached the server within its TTL.
        public static let leaseExpired = Code("leaseExpired")
        /// The lease was revoked (by this or another client) while it was kept alive.
        public static let leaseRevoked = Code("leaseRevoked")

        // MARK: Watches

        /// The server cancelled the watch.
        public static let watchCancelled = Code("watchCancelled")
        /// The watch's consumer fell behind by more responses than the watch's buffer holds; the watch ended
        /// rather than drop events or grow without bound.
        public static let watchConsumerTooSlow = Code("watchConsumerTooSlow")

        // MARK: Cluster membership

        /// A member with that ID already exists.
        public static let memberExists = Code("memberExists")
        /// A member already uses one of these peer URLs.
        public static let peerURLExists = Code("peerURLExists")
        /// Reconfiguring needs more started members.
        public static let memberNotEnoughStarted = Code("memberNotEnoughStarted")
        /// The member URLs are invalid.
        public static let memberBadURLs = Code("memberBadURLs")
        /// The member does not exist.
        public static let memberNotFound = Code("memberNotFound")
        /// Only a learner can be promoted.
        public static let memberNotLearner = Code("memberNotLearner")
        /// The learner is not yet in sync with the leader.
        public static let learnerNotReady = Code("learnerNotReady")
        /// The cluster has as many learners as it allows.
        public static let tooManyLearners = Code("tooManyLearners")

        // MARK: Authentication

        /// The root user does not exist, so auth cannot be enabled.
        public static let rootUserNotExist = Code("rootUserNotExist")
        /// The root user lacks the root role.
        public static let rootRoleNotExist = Code("rootRoleNotExist")
        /// The user already exists.
        public static let userAlreadyExists = Code("userAlreadyExists")
        /// The user name is empty.
        public static let userEmpty = Code("userEmpty")
        /// The user does not exist.
        public static let userNotFound = Code("userNotFound")
        /// The role already exists.
        public static let roleAlreadyExists = Code("roleAlreadyExists")
        /// The role does not exist.
        public static let roleNotFound = Code("roleNotFound")
        /// The role name is empty.
        public static let roleEmpty = Code("roleEmpty")
        /// Wrong user name or password.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The user may not do this.
        public static let permissionDenied = Code("permissionDenied")
        /// The role is not granted to the user.
        public static let roleNotGranted = Code("roleNotGranted")
        /// The permission is not granted to the role.
        public static let permissionNotGranted = Code("permissionNotGranted")
        /// Authentication is not enabled on the cluster.
        public static let authNotEnabled = Code("authNotEnabled")
        /// The auth token is invalid or expired.
        public static let invalidAuthToken = Code("invalidAuthToken")
        /// The auth management request is invalid.
        public static let invalidAuthManagement = Code("invalidAuthManagement")
        /// The auth store changed while the request was processed.
        public static let authOldRevision = Code("authOldRevision")
        /// The caller is not authenticated.
        public static let unauthenticated = Code("unauthenticated")

        // MARK: Cluster health

        /// The member has no leader.
        public static let noLeader = Code("noLeader")
        /// The member is not the leader.
        public static let notLeader = Code("notLeader")
        /// The leader changed while the request was in flight.
        public static let leaderChanged = Code("leaderChanged")
        /// The cluster version does not support the request.
        public static let notCapable = Code("notCapable")
        /// The server is stopping.
        public static let serverStopped = Code("serverStopped")
        /// The server timed out the request; it may or may not have been applied.
        public static let serverTimeout = Code("serverTimeout")
        /// The cluster is unhealthy.
        public static let unhealthy = Code("unhealthy")
        /// A learner member cannot serve this request.
        public static let notSupportedForLearner = Code("notSupportedForLearner")
        /// The member cannot become leader.
        public static let badLeaderTransferee = Code("badLeaderTransferee")

        // MARK: Client and transport

        /// No connection could be made, or the connection broke; ``EtcdError/endpoint`` names it.
        public static let connectionFailed = Code("connectionFailed")
        /// The TLS handshake failed: the server's certificate was not trusted or did not match its name, the
        /// server refused the client certificate, or the server does not speak TLS. ``EtcdError/endpoint``
        /// names the server and ``EtcdError/message`` says why.
        public static let tlsFailed = Code("tlsFailed")
        /// The configuration cannot be used: ``EtcdError/message`` names the field and the problem.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// No member could answer a serializable read from a revision at least as new as one this client has
        /// already seen (see ``EtcdClient/Configuration/rejectsStaleSerializableReads``).
        public static let staleRead = Code("staleRead")
        /// A write failed after it may have reached a server: it may or may not have been applied. It was not
        /// sent again; read the data to find out.
        public static let outcomeUnknown = Code("outcomeUnknown")
        /// The call's deadline passed.
        public static let deadlineExceeded = Code("deadlineExceeded")
        /// The server cancelled the call (a `CANCELLED` status, not the caller's task).
        public static let cancelled = Code("cancelled")
        /// The client was closed.
        public static let clientClosed = Code("clientClosed")
        /// The server's response could not be decoded.
        public static let malformedResponse = Code("malformedResponse")
        /// The service is unavailable for a reason without its own code.
        public static let unavailable = Code("unavailable")
        /// A status etcd does not document; ``EtcdError/grpcStatusCode`` and ``EtcdError/message`` keep it.
        public static let unknown = Code("unknown")
    }
}
