/// When a stream that asks for a member with a leader (`hasleader`) gives up, as a pure state machine.
///
/// etcd ends such a stream with `no leader` once its member has had no leader for three election timeouts, and
/// refuses new ones at once. While another endpoint may have a leader the stream moves there; once every endpoint
/// said `no leader`, with no answer in between, for ``grace``, the stream's users are told
/// (``EtcdError/Code/noLeader``), as the Go client closes a watch that requires a leader. An election in
/// progress is shorter than that.
struct LeaderlessStreamRule {
    /// How long every endpoint must have said `no leader` before the stream gives up: one second.
    static let grace = Duration.seconds(1)

    private var since: ContinuousClock.Instant?
    private var endpoints: Set<String> = []

    /// `endpoint` refused or ended the stream for want of a leader, `now`.
    ///
    /// - Returns: whether to give up: every one of `endpointCount` endpoints said so, for ``grace`` at least.
    mutating func noLeader(at endpoint: String, endpointCount: Int, now: ContinuousClock.Instant) -> Bool {
        let start = since ?? now
        since = start
        endpoints.insert(endpoint)
        return endpoints.count >= endpointCount && now - start >= Self.grace
    }

    /// The stream got an answer: a member with a leader serves it.
    mutating func answered() {
        since = nil
        endpoints = []
    }
}
