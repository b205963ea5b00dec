/// Something the client counts, for metrics: set ``EtcdClient/Configuration/statisticsSink`` and forward each
/// event to a metrics library (swift-metrics' counters and timers, for instance) without this package depending
/// on one.
public enum EtcdStatisticsEvent: Sendable, Hashable {
    /// A unary call (or the opening of a server stream) ended: its gRPC method path, how long it took with its
    /// retries, and the code it failed with, or `nil` when it succeeded.
    case callFinished(method: String, duration: Duration, failure: EtcdError.Code?)
    /// An attempt of a call failed and the call is tried again: the method and the code of the failure.
    case callRetried(method: String, reason: EtcdError.Code)
    /// A serializable read answered from an older revision than the client has seen was refused and asked again
    /// of the next endpoint.
    case staleReadRefused(method: String)
    /// The client left an endpoint for the next one: the endpoint it left and why.
    case failover(from: String, reason: String)
    /// The client opened a connection to an endpoint.
    case connecting(endpoint: String)
}

/// Receives the client's ``EtcdStatisticsEvent``s.
///
/// It is called synchronously, on the task or thread that saw the event, sometimes while the client holds an
/// internal lock: keep it fast (increment a counter, record a duration) and never call the client from it.
public typealias EtcdStatisticsSink = @Sendable (EtcdStatisticsEvent) -> Void
