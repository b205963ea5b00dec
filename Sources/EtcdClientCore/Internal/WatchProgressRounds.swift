/// The stream-wide progress requests of one watch stream, and when their answers may be delivered, as a pure state
/// machine.
///
/// etcd before 3.4.25 and 3.5.8 answers a progress request from a queue of its own with its current revision, so
/// the events of a write being committed can still be on their way behind the answer (etcd issue 15220). An answer
/// is therefore delivered only once the answer to a request sent after it arrived comes back: by then those events
/// were sent. One request at a time is in flight, so that each answer is known to answer the request before it:
/// later etcd versions merge the requests made while a watcher catches up into one answer. A caller who asks while
/// a request is in flight, or while no stream is open, is served by the next request, and an answer that a caller
/// asked for is delivered once confirmed, even when the confirming answer is the one delivered.
struct WatchProgressRounds {
    /// A request is on its way, unanswered.
    private var inFlight = false
    /// Whether a caller asked for the request in flight: its answer must be delivered, once confirmed.
    private var inFlightAsked = false
    /// A caller asked since the last request was sent: a request must follow.
    private var askedSinceSent = false
    /// An answer a caller asked for, waiting for the answer to the request sent after it arrived.
    private var unconfirmed: EtcdResponseHeader?

    /// A caller asks for progress. Returns whether to send a request now; otherwise the ask is served by the next
    /// request, sent when the one in flight is answered or when a stream opens.
    mutating func ask(streamIsOpen: Bool) -> Bool {
        guard streamIsOpen, !inFlight else {
            askedSinceSent = true
            return false
        }
        send(asked: true)
        return true
    }

    /// An answer arrived. Returns the answer to deliver now (a confirmed one), if any, and whether to send a request.
    mutating func answered(_ header: EtcdResponseHeader) -> (deliver: EtcdResponseHeader?, send: Bool) {
        // An answer to nothing known (none is expected) is taken as asked for, to be confirmed like any.
        let asked = inFlight ? inFlightAsked : true
        inFlight = false
        let confirmed = unconfirmed
        unconfirmed = asked ? header : nil
        guard unconfirmed != nil || askedSinceSent else { return (confirmed, false) }
        send(asked: askedSinceSent)
        return (confirmed, true)
    }

    /// The stream ended: a request in flight or an answer waiting for confirmation is asked for again on the next.
    mutating func streamEnded() {
        askedSinceSent = askedSinceSent || unconfirmed != nil || (inFlight && inFlightAsked)
        inFlight = false
        inFlightAsked = false
        unconfirmed = nil
    }

    /// A stream opened. Returns whether to send a request on it (a caller's ask is waiting).
    mutating func streamOpened() -> Bool {
        guard askedSinceSent else { return false }
        send(asked: true)
        return true
    }

    private mutating func send(asked: Bool) {
        inFlight = true
        inFlightAsked = asked
        askedSinceSent = false
    }
}
