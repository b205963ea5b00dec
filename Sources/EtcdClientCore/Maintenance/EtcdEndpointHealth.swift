/// Whether one member can serve a linearizable read now, as `etcdctl endpoint health` checks it.
public struct EtcdEndpointHealth: Hashable, Sendable {
    /// The member that was checked.
    public let endpoint: EtcdEndpoint
    /// Whether it answered the check (a permission error counts as an answer: the read went through consensus).
    public let isHealthy: Bool
    /// How long the check took.
    public let took: Duration
    /// Why it is unhealthy; `nil` when it is healthy.
    public let error: EtcdError?

    /// Creates a health report.
    public init(endpoint: EtcdEndpoint, isHealthy: Bool, took: Duration, error: EtcdError?) {
        self.endpoint = endpoint
        self.isHealthy = isHealthy
        self.took = took
        self.error = error
    }
}
