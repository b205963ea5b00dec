/// What a gRPC call sends before its messages: the method path, metadata and deadline.
package struct GRPCRequestHead: Sendable {
    /// The method path, such as `/etcdserverpb.KV/Range`.
    package var path: String
    /// Extra request headers (gRPC metadata), with lower-case names.
    package var metadata: [(name: String, value: String)]
    /// The call's timeout: sent as `grpc-timeout` and enforced locally. `nil` means none.
    package var timeout: Duration?

    /// Creates a request head.
    package init(path: String, metadata: [(name: String, value: String)] = [], timeout: Duration? = nil) {
        self.path = path
        self.metadata = metadata
        self.timeout = timeout
    }
}
