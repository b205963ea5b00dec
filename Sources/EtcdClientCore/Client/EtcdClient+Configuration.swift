extension EtcdClient {
    /// Everything that shapes how a client connects and calls.
    public struct Configuration: Sendable {
        /// The members to talk to. The client uses one at a time and moves to the next when it cannot connect.
        public var endpoints: [EtcdEndpoint]
        /// How long connecting to one endpoint may take. Defaults to 5 seconds.
        public var connectTimeout: Duration = .seconds(5)
        /// Options for every call that does not override them.
        public var defaultCallOptions = CallOptions()
        /// HTTP/2 PING keepalive: how a dead server is detected while calls are open.
        public var keepalive = Keepalive()
        /// How the client authenticates; `nil` (the default) when the cluster has auth off.
        public var authentication: EtcdAuthentication?
        /// TLS settings; `nil` (the default) connects in plain text.
        public var tls: EtcdTLS?
        /// How often the endpoint list is refreshed from the cluster's member list; `nil` (the default) never
        /// refreshes it. ``EtcdClient/syncEndpoints()`` refreshes it on demand.
        public var autoSyncInterval: Duration?
        /// Whether a serializable read that answers from an older revision than one this client has already
        /// seen is sent to another member instead (the guarantee of the Go client's ordering wrapper).
        /// Defaults to `true`.
        public var rejectsStaleSerializableReads = true
        /// Where log records go; `nil` (the default) is silent.
        public var logSink: EtcdLogSink?
        /// The least severe level handed to ``logSink``. Defaults to ``EtcdLogRecord/Level/info``.
        public var logLevel: EtcdLogRecord.Level = .info
        /// Receives the client's statistics (calls, failures by code, retries, stale reads refused, failovers,
        /// connections) for metrics; `nil` (the default) counts nothing.
        public var statisticsSink: EtcdStatisticsSink?
        /// The largest request message the client sends, in bytes (Go's `MaxCallSendMsgSize`): a larger one fails
        /// with ``EtcdError/Code/requestTooLarge`` before anything is sent. Defaults to 2 MiB, as the Go client;
        /// `nil` leaves the limit to the server (its `--max-request-bytes`, 1.5 MiB by default).
        public var maxRequestBytes: Int? = 2 << 20
        /// The largest response message the client accepts, in bytes (Go's `MaxCallRecvMsgSize`): a larger one
        /// fails the call with ``EtcdError/Code/responseTooLarge`` and is not read. Defaults to `nil`, no limit
        /// below gRPC's 2 GiB - 1, as the Go client.
        public var maxResponseBytes: Int?

        /// Creates a configuration for `endpoints` with default timings.
        public init(endpoints: [EtcdEndpoint]) {
            self.endpoints = endpoints
        }
    }

    /// Options of one call.
    public struct CallOptions: Sendable, Hashable {
        /// How long a unary call may take, retries included, before it fails with
        /// ``EtcdError/Code/deadlineExceeded``; `nil` means no limit (a call without one stops retrying after 30
        /// seconds). Defaults to 30 seconds.
        public var timeout: Duration? = .seconds(30)
        /// Extra gRPC metadata sent with the call. Names must be lower-case. Defaults to none.
        public var metadata: [String: String] = [:]
        /// Whether only a member that has a leader may serve the call (etcd's `hasleader` metadata): one without
        /// refuses it with ``EtcdError/Code/noLeader`` at once, instead of serving a serializable read from a copy
        /// that may be cut off, or holding a write until its timeout; a read then moves to another member.
        /// Watches always ask for it. Defaults to `false`.
        public var requiresLeader = false

        /// Creates call options.
        public init(timeout: Duration? = .seconds(30), metadata: [String: String] = [:], requiresLeader: Bool = false) {
            self.timeout = timeout
            self.metadata = metadata
            self.requiresLeader = requiresLeader
        }

        /// The gRPC metadata of a call with these options.
        var requestMetadata: [(name: String, value: String)] {
            var pairs = metadata.map { (name: $0.key, value: $0.value) }
            if requiresLeader && metadata["hasleader"] == nil { pairs.append((name: "hasleader", value: "true")) }
            return pairs
        }
    }

    /// HTTP/2 PING keepalive settings.
    ///
    /// Whatever they are, a call that hears nothing after its request, on a connection that receives nothing
    /// either, for a quarter of its timeout (250 ms to 2 seconds) sends a PING at once (at most one every 5
    /// seconds), and a connection that does not acknowledge it is given up: a read then moves to another member
    /// within its deadline.
    public struct Keepalive: Sendable, Hashable {
        /// How long the connection may be silent, while calls are open, before a PING is sent; `nil` turns
        /// keepalive off. Defaults to 10 seconds. etcd refuses pings more frequent than its
        /// `--grpc-keepalive-min-time` (5 seconds by default).
        public var interval: Duration? = .seconds(10)
        /// How long to wait for the PING acknowledgement before the connection is declared dead.
        /// Defaults to 5 seconds.
        public var timeout: Duration = .seconds(5)

        /// Creates keepalive settings.
        public init(interval: Duration? = .seconds(10), timeout: Duration = .seconds(5)) {
            self.interval = interval
            self.timeout = timeout
        }
    }
}
