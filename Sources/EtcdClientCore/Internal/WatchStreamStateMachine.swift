import _EtcdWire

/// The watchers of one client and the one bidirectional Watch stream that carries them, as a pure state
/// machine: events in, actions out, no I/O.
///
/// Each watcher gets an ID chosen here and sent as `watch_id`, so responses are matched without relying on
/// the order of creation. The machine remembers, for each watcher, the revision after the last one it
/// delivered; when the stream is re-opened (after a connection fault) every watcher is created again from
/// that revision, and events at or below the last delivered revision are dropped, so none is lost or repeated.
struct WatchStreamStateMachine {
    /// One watcher.
    struct Watcher {
        /// What it watches.
        let request: EtcdWatchRequest
        /// The revision to (re-)create it from; 0 means "after the current revision" and holds only until
        /// the first creation.
        var nextRevision: Int64
        /// The revision of the last event delivered, or 0.
        var lastDelivered: Int64 = 0
        /// Whether the server confirmed the watcher on the current stream.
        var created = false
        /// Events of a fragmented response, waiting for the last fragment.
        var fragments: [MvccPB.Event] = []
        /// While the server replays history to the watcher on the current stream, the store revision it replays
        /// up to (that of the create response); `nil` once the watcher is known to be caught up.
        var catchUpRevision: Int64?
        /// Whether the server may still be replaying history to the watcher, so that a stream-wide progress answer
        /// proves nothing about it. It settles from its creation on the current stream until it gets a progress
        /// notification of its own or, while catching up, delivers an event at or after ``catchUpRevision``; or
        /// else until a ``WatchStreamStateMachine/settlingTime`` passes: one without an event for it while catching
        /// up, the first one otherwise. A watcher created from the revision after the current one settles too:
        /// etcd reads its current revision before it registers the watcher, so a write in between is replayed by
        /// etcd's sync loop while the create response says there is nothing to replay.
        var settling = false
        /// Whether an event came for it since its settling time began.
        var eventsWhileSettling = false
        /// Whether a stream-wide progress answer passed it by while it was settling: once settled, it asks again.
        var missedProgress = false
    }

    /// How long a watcher settles (see ``Watcher/settling``) after its creation, and again while it is catching up
    /// and got events meanwhile: three passes of etcd's watcher sync loop, which runs every 100 ms and in each pass
    /// sends a watcher behind what it has (up to 1,000 revisions of events) or finds it caught up. A heuristic: a
    /// pass that takes longer (a watch far in the past on a large store) can still end the settling too early.
    static let settlingTime: Duration = .milliseconds(300)

    /// The stream's phase.
    enum StreamPhase: Equatable {
        /// No stream, and none being opened.
        case idle
        /// A stream is being opened.
        case opening
        /// The stream is open: requests can be sent.
        case open
    }

    /// What the caller must do.
    enum Action: Equatable {
        /// Send this request on the open stream.
        case send(EtcdserverPB.WatchRequest)
        /// Open a stream (none is open or opening).
        case openStream
        /// The watcher was created on the server for the first time, at this revision.
        case created(id: Int64, revision: Int64)
        /// Hand this response to the watcher's consumer.
        case deliver(id: Int64, EtcdWatchResponse)
        /// End the watcher with this error; it is already forgotten here.
        case fail(id: Int64, EtcdError)
        /// Call ``settled(_:stream:)`` with these arguments after ``settlingTime``.
        case settleLater(id: Int64, stream: Int)
    }

    private(set) var watchers: [Int64: Watcher] = [:]
    private(set) var phase = StreamPhase.idle
    private var nextID: Int64 = 1
    private var reportedCreated: Set<Int64> = []
    /// Watchers whose create request went out on the current stream without an answer yet, in order. The
    /// server answers creates in order, and a create it refuses comes back with `watch_id` -1.
    private var pendingCreates: [Int64] = []
    /// Counts the streams opened, so that a settling delay that ends after its stream did is ignored.
    private var streamNumber = 0
    /// The stream-wide progress requests, and when their answers may be delivered.
    private var progressRounds = WatchProgressRounds()

    /// Adds a watcher.
    mutating func add(_ request: EtcdWatchRequest) -> (id: Int64, actions: [Action]) {
        let id = nextID
        nextID += 1
        watchers[id] = Watcher(request: request, nextRevision: request.startRevision ?? 0)
        switch phase {
        case .open:
            pendingCreates.append(id)
            return (id, [.send(request.createMessage(id: id, revision: request.startRevision ?? 0))])
        case .opening:
            return (id, [])
        case .idle:
            phase = .opening
            return (id, [.openStream])
        }
    }

    /// Removes a watcher (its consumer left) and cancels it on the server. The stream stays open for the next
    /// watch, as re-opening it would cost a round trip.
    mutating func remove(_ id: Int64) -> [Action] {
        guard watchers.removeValue(forKey: id) != nil else { return [] }
        reportedCreated.remove(id)
        // Its create, if unanswered, stays in `pendingCreates`: the server still answers it in order.
        guard phase == .open else { return [] }
        var cancel = EtcdserverPB.WatchCancelRequest()
        cancel.watchId = id
        var request = EtcdserverPB.WatchRequest()
        request.requestUnion = .cancelRequest(cancel)
        return [.send(request)]
    }

    /// The request that asks the server for a progress notification on the open stream.
    static let progressRequestMessage: EtcdserverPB.WatchRequest = {
        var request = EtcdserverPB.WatchRequest()
        request.requestUnion = .progressRequest(EtcdserverPB.WatchProgressRequest())
        return request
    }()

    /// Asks the server for a progress notification: now if the stream is open and no request is in flight,
    /// otherwise with the next request (see ``WatchProgressRounds``).
    mutating func progressRequest() -> [Action] {
        progressRounds.ask(streamIsOpen: phase == .open) ? [.send(Self.progressRequestMessage)] : []
    }

    /// A watcher's settling time (see ``Watcher/settling``) on stream number `stream` is over. A watcher catching up
    /// that got events meanwhile settles for another ``settlingTime``; any other is caught up: it gets stream-wide
    /// progress answers from now on, and asks for one if it missed one meanwhile.
    mutating func settled(_ id: Int64, stream: Int) -> [Action] {
        guard stream == streamNumber, var watcher = watchers[id], watcher.settling else { return [] }
        if watcher.catchUpRevision != nil && watcher.eventsWhileSettling {
            watcher.eventsWhileSettling = false
            watchers[id] = watcher
            return [.settleLater(id: id, stream: stream)]
        }
        let actions = caughtUp(&watcher)
        watchers[id] = watcher
        return actions
    }

    /// The watcher is known to be caught up: stream-wide progress answers reach it from now on, and it asks for
    /// one if it missed one while settling.
    private mutating func caughtUp(_ watcher: inout Watcher) -> [Action] {
        watcher.catchUpRevision = nil
        watcher.settling = false
        guard watcher.missedProgress else { return [] }
        watcher.missedProgress = false
        return progressRequest()
    }

    /// A new stream is open: every watcher is created on it, from the revision after its last delivered one.
    mutating func streamOpened() -> [Action] {
        phase = .open
        streamNumber += 1
        pendingCreates = watchers.keys.sorted()
        var actions: [Action] = []
        for id in pendingCreates {
            guard var watcher = watchers[id] else { continue }
            watcher.created = false
            watcher.fragments = []
            watchers[id] = watcher
            actions.append(.send(watcher.request.createMessage(id: id, revision: watcher.nextRevision)))
        }
        // The server answers in order: a progress request asked for meanwhile is answered after the creates.
        if progressRounds.streamOpened() { actions.append(.send(Self.progressRequestMessage)) }
        return actions
    }

    /// The stream ended or could not be opened. Returns whether a new one must be opened.
    mutating func streamFailed() -> Bool {
        for id in watchers.keys {
            watchers[id]?.created = false
            watchers[id]?.fragments = []
        }
        phase = watchers.isEmpty ? .idle : .opening
        pendingCreates = []
        progressRounds.streamEnded()
        return !watchers.isEmpty
    }

    /// Every watcher ends with `error` (the client closed): returns their failures.
    mutating func failAll(_ error: EtcdError) -> [Action] {
        let actions = watchers.keys.sorted().map { Action.fail(id: $0, error) }
        watchers = [:]
        reportedCreated = []
        pendingCreates = []
        phase = .idle
        return actions
    }

    /// A response arrived on the open stream.
    mutating func received(_ response: EtcdserverPB.WatchResponse) -> [Action] {
        let header = EtcdResponseHeader(response.header)
        if response.watchId == -1 && !response.created && !response.canceled {
            return receivedStreamProgress(header)
        }
        var id = response.watchId
        if response.created {
            if id == -1 {
                // A refused create: it answers the oldest create still waiting.
                guard !pendingCreates.isEmpty else { return [] }
                id = pendingCreates.removeFirst()
            } else {
                pendingCreates.removeAll { $0 == id }
            }
        }
        guard var watcher = watchers[id] else { return [] }
        var actions: [Action] = []
        if response.created {
            watcher.created = true
            if watcher.nextRevision == 0 {
                // The server starts a "now" watcher right after the revision in this header.
                watcher.nextRevision = header.revision + 1
            }
            watcher.catchUpRevision = watcher.nextRevision <= header.revision ? header.revision : nil
            watcher.settling = !response.canceled
            watcher.eventsWhileSettling = false
            if !response.canceled && reportedCreated.insert(id).inserted {
                actions.append(.created(id: id, revision: header.revision))
            }
            if watcher.settling { actions.append(.settleLater(id: id, stream: streamNumber)) }
        }
        if response.canceled {
            watchers[id] = nil
            reportedCreated.remove(id)
            let error: EtcdError
            if response.compactRevision > 0 {
                error = EtcdError(
                    .compacted,
                    message: "the watch start revision \(watcher.nextRevision) was compacted",
                    compactRevision: response.compactRevision
                )
            } else if let code = EtcdError.code(forServerMessage: response.cancelReason) {
                error = EtcdError(code, message: response.cancelReason)
            } else {
                let reason = response.cancelReason.isEmpty ? "the server cancelled the watch" : response.cancelReason
                error = EtcdError(.watchCancelled, message: reason)
            }
            return actions + [.fail(id: id, error)]
        }
        if response.fragment {
            watcher.fragments += response.events
            watcher.eventsWhileSettling = true
            watchers[id] = watcher
            return actions
        }
        var events = watcher.fragments
        events += response.events
        watcher.fragments = []
        if events.isEmpty {
            if !response.created {
                // A progress notification: everything up to the header's revision was delivered (etcd sends one
                // for a single watcher only once it is caught up).
                watcher.nextRevision = max(watcher.nextRevision, header.revision + 1)
                actions.append(.deliver(id: id, EtcdWatchResponse(header: header, events: [])))
                actions += caughtUp(&watcher)
            }
            watchers[id] = watcher
            return actions
        }
        let fresh = events.filter { ($0.kv?.modRevision ?? 0) > watcher.lastDelivered }
        if let last = fresh.last?.kv?.modRevision {
            watcher.lastDelivered = last
            watcher.nextRevision = last + 1
            actions.append(.deliver(id: id, EtcdWatchResponse(header: header, events: fresh.map(EtcdWatchEvent.init))))
            if let catchUp = watcher.catchUpRevision, last >= catchUp {
                actions += caughtUp(&watcher)
            } else {
                watcher.eventsWhileSettling = true
            }
        }
        watchers[id] = watcher
        return actions
    }

    /// A progress notification for the whole stream (the answer to a progress request, `watch_id` -1): delivered,
    /// once confirmed (see ``WatchProgressRounds``), to every watcher known to be caught up.
    private mutating func receivedStreamProgress(_ header: EtcdResponseHeader) -> [Action] {
        let (confirmed, send) = progressRounds.answered(header)
        var actions: [Action] = []
        if let confirmed {
            // etcd before 3.4.25 and 3.5.8 also answers while a watcher is catching up on history or replaying a
            // write that came while it was created: the answer moves no watcher's resume point, and reaches a
            // watcher only once it is known to be caught up; one that is settling asks again once settled.
            for id in watchers.keys.sorted() {
                guard var watcher = watchers[id], watcher.created else { continue }
                if watcher.settling {
                    watcher.missedProgress = true
                    watchers[id] = watcher
                } else {
                    actions.append(.deliver(id: id, EtcdWatchResponse(header: confirmed, events: [])))
                }
            }
        }
        if send { actions.append(.send(Self.progressRequestMessage)) }
        return actions
    }
}
