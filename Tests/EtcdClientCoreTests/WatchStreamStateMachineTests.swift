import Testing
import _EtcdWire

@testable import EtcdClientCore

// MARK: - Helpers

private typealias Machine = WatchStreamStateMachine
private typealias Action = WatchStreamStateMachine.Action

private func header(_ revision: Int64) -> EtcdserverPB.ResponseHeader {
    var header = EtcdserverPB.ResponseHeader()
    header.clusterId = 0xC1
    header.memberId = 0x4D
    header.revision = revision
    header.raftTerm = 3
    return header
}

private func mappedHeader(_ revision: Int64) -> EtcdResponseHeader {
    EtcdResponseHeader(header(revision))
}

private func event(_ key: String, at revision: Int64, type: MvccPB.Event.EventType = .put) -> MvccPB.Event {
    var kv = MvccPB.KeyValue()
    kv.key = Array(key.utf8)
    kv.value = Array("v\(revision)".utf8)
    kv.createRevision = revision
    kv.modRevision = revision
    kv.version = 1
    var event = MvccPB.Event()
    event.type = type
    event.kv = kv
    return event
}

/// The server's answer to a create request it accepted.
private func created(_ id: Int64, at revision: Int64) -> EtcdserverPB.WatchResponse {
    var response = EtcdserverPB.WatchResponse()
    response.header = header(revision)
    response.watchId = id
    response.created = true
    return response
}

/// The server's answer to a create request it refused (`watch_id` -1, created and canceled).
private func refused(at revision: Int64, reason: String) -> EtcdserverPB.WatchResponse {
    var response = EtcdserverPB.WatchResponse()
    response.header = header(revision)
    response.watchId = -1
    response.created = true
    response.canceled = true
    response.cancelReason = reason
    return response
}

private func events(
    _ id: Int64,
    at revision: Int64,
    _ events: [MvccPB.Event],
    fragment: Bool = false
) -> EtcdserverPB.WatchResponse {
    var response = EtcdserverPB.WatchResponse()
    response.header = header(revision)
    response.watchId = id
    response.events = events
    response.fragment = fragment
    return response
}

private func progress(_ id: Int64, at revision: Int64) -> EtcdserverPB.WatchResponse {
    var response = EtcdserverPB.WatchResponse()
    response.header = header(revision)
    response.watchId = id
    return response
}

/// Receives the server's answer to the create request of watcher `id`, and lets the watcher's settling time pass
/// at once; returns the other actions.
private func receiveCreated(_ machine: inout Machine, _ id: Int64, at revision: Int64) -> [Action] {
    var actions: [Action] = []
    for action in machine.received(created(id, at: revision)) {
        if case .settleLater(let watcher, let stream) = action {
            actions += machine.settled(watcher, stream: stream)
        } else {
            actions.append(action)
        }
    }
    return actions
}

/// What the machine does to ask for a progress notification.
private let askForProgress: [Action] = [.send(Machine.progressRequestMessage)]

private func canceled(
    _ id: Int64,
    at revision: Int64,
    compactRevision: Int64 = 0,
    reason: String = ""
) -> EtcdserverPB.WatchResponse {
    var response = EtcdserverPB.WatchResponse()
    response.header = header(revision)
    response.watchId = id
    response.canceled = true
    response.compactRevision = compactRevision
    response.cancelReason = reason
    return response
}

private func request(
    _ key: EtcdKey = "k",
    startRevision: Int64? = nil,
    includePrevious: Bool = false,
    filter: EtcdWatchFilter = [],
    progressNotifications: Bool = false
) -> EtcdWatchRequest {
    EtcdWatchRequest(
        .key(key),
        startRevision: startRevision,
        includePrevious: includePrevious,
        filter: filter,
        progressNotifications: progressNotifications
    )
}

extension WatchStreamStateMachine.Action {
    fileprivate var createRequest: EtcdserverPB.WatchCreateRequest? {
        guard case .send(let request) = self, case .createRequest(let create)? = request.requestUnion else {
            return nil
        }
        return create
    }

    fileprivate var cancelRequest: EtcdserverPB.WatchCancelRequest? {
        guard case .send(let request) = self, case .cancelRequest(let cancel)? = request.requestUnion else {
            return nil
        }
        return cancel
    }

    fileprivate var deliveredEvents: (id: Int64, response: EtcdWatchResponse)? {
        guard case .deliver(let id, let response) = self else { return nil }
        return (id, response)
    }

    fileprivate var failure: (id: Int64, error: EtcdError)? {
        guard case .fail(let id, let error) = self else { return nil }
        return (id, error)
    }
}

/// A machine with an open stream and `count` "now" watchers (IDs 1...count), each created at `revision`.
private func openMachine(
    watchers count: Int = 1,
    createdAt revision: Int64 = 10
) -> Machine {
    var machine = Machine()
    for _ in 0..<count { _ = machine.add(request()) }
    _ = machine.streamOpened()
    for id in 1...Int64(count) { _ = receiveCreated(&machine, id, at: revision) }
    return machine
}

/// Fails the stream and re-opens it; returns the start revisions of the re-creates, by watcher ID.
private func reconnect(_ machine: inout Machine) -> [Int64: Int64] {
    let reopen = machine.streamFailed()
    #expect(reopen)
    let creates = machine.streamOpened().compactMap(\.createRequest)
    return Dictionary(uniqueKeysWithValues: creates.map { ($0.watchId, $0.startRevision) })
}

private func revisions(_ actions: [Action]) -> [Int64] {
    actions.compactMap(\.deliveredEvents).flatMap { $0.response.events.map(\.revision) }
}

// MARK: - Tests

@Suite("Watch stream state machine")
struct WatchStreamStateMachineTests {
    // MARK: Opening and creating

    @Test("the first add while idle opens the stream, a second add while it opens does nothing")
    func addWhileIdleOpensOnce() {
        var machine = Machine()
        let first = machine.add(request("a"))
        #expect(first.actions == [.openStream])
        #expect(machine.phase == .opening)
        let second = machine.add(request("b"))
        #expect(second.actions.isEmpty)
        #expect(second.id != first.id)
    }

    @Test("streamOpened sends one create per watcher, in ID order, with its watch ID")
    func streamOpenedCreatesInOrder() {
        var machine = Machine()
        let ids = (0..<3).map { index in machine.add(request(EtcdKey("key\(index)"))).id }
        let actions = machine.streamOpened()
        #expect(machine.phase == .open)
        #expect(actions.count == 3)
        let creates = actions.compactMap(\.createRequest)
        #expect(creates.map(\.watchId) == ids)
        #expect(creates.map(\.key) == ["key0", "key1", "key2"].map { Array($0.utf8) })
    }

    @Test("a create asks for the requested start revision, or 0 for now")
    func createStartRevision() {
        var machine = Machine()
        _ = machine.add(request("now"))
        _ = machine.add(request("old", startRevision: 42))
        let creates = machine.streamOpened().compactMap(\.createRequest)
        #expect(creates.map(\.startRevision) == [0, 42])
    }

    @Test("a create always asks for fragments and maps prevKv, filters, progressNotify and the range")
    func createMapsOptions() throws {
        var machine = Machine()
        _ = machine.add(
            EtcdWatchRequest(
                .prefix("app/"),
                includePrevious: true,
                filter: [.noPut, .noDelete],
                progressNotifications: true
            )
        )
        _ = machine.add(request("plain"))
        let creates = machine.streamOpened().compactMap(\.createRequest)
        try #require(creates.count == 2)
        let full = creates[0]
        #expect(full.key == Array("app/".utf8))
        #expect(full.rangeEnd == Array("app0".utf8))
        #expect(full.prevKv)
        #expect(full.progressNotify)
        #expect(full.filters == [.noput, .nodelete])
        #expect(full.fragment)
        let plain = creates[1]
        #expect(plain.key == Array("plain".utf8))
        #expect(plain.rangeEnd.isEmpty)
        #expect(!plain.prevKv)
        #expect(!plain.progressNotify)
        #expect(plain.filters.isEmpty)
        #expect(plain.fragment)
    }

    @Test("each filter maps on its own")
    func singleFilters() {
        var machine = Machine()
        _ = machine.add(request("a", filter: .noPut))
        _ = machine.add(request("b", filter: .noDelete))
        let creates = machine.streamOpened().compactMap(\.createRequest)
        #expect(creates.map(\.filters) == [[.noput], [.nodelete]])
    }

    @Test("an add while the stream is open sends its create at once")
    func addWhileOpenSendsCreate() throws {
        var machine = openMachine()
        let (id, actions) = machine.add(request("late", startRevision: 7, includePrevious: true))
        try #require(actions.count == 1)
        let create = try #require(actions[0].createRequest)
        #expect(create.watchId == id)
        #expect(create.startRevision == 7)
        #expect(create.key == Array("late".utf8))
        #expect(create.prevKv)
        #expect(create.fragment)
    }

    @Test("streamOpened with no watcher left sends nothing and keeps the stream for the next watch")
    func streamOpenedWithoutWatchers() {
        var machine = Machine()
        let (id, _) = machine.add(request())
        #expect(machine.remove(id).isEmpty)
        #expect(machine.streamOpened().isEmpty)
        #expect(machine.phase == .open)
    }

    // MARK: Created

    @Test("a now watcher created at header revision R reports created(id, R)")
    func createdReportsHeaderRevision() {
        var machine = Machine()
        let (id, _) = machine.add(request())
        _ = machine.streamOpened()
        #expect(receiveCreated(&machine, id, at: 17) == [.created(id: id, revision: 17)])
        #expect(machine.watchers[id]?.created == true)
    }

    @Test("a now watcher created at R is re-created from R + 1 after a fault")
    func nowWatcherResumesAfterCreatedRevision() {
        var machine = Machine()
        let (id, _) = machine.add(request())
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, id, at: 17)
        #expect(reconnect(&machine) == [id: 18])
    }

    @Test("a watcher with a start revision is re-created from it when nothing was delivered")
    func startRevisionKeptUntilDelivery() {
        var machine = Machine()
        let (id, _) = machine.add(request(startRevision: 5))
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, id, at: 17)
        #expect(reconnect(&machine) == [id: 5])
    }

    @Test("a watcher re-created after a fault does not report created again")
    func createdReportedOnce() {
        var machine = openMachine(createdAt: 10)
        _ = reconnect(&machine)
        #expect(receiveCreated(&machine, 1, at: 12).isEmpty)
        #expect(machine.watchers[1]?.created == true)
    }

    @Test("a now watcher whose create was never answered is re-created as now")
    func unansweredNowWatcherStaysNow() {
        var machine = Machine()
        let (id, _) = machine.add(request())
        _ = machine.streamOpened()
        #expect(reconnect(&machine) == [id: 0])
    }

    // MARK: Events and resuming

    @Test("delivered events keep their order and the response header")
    func eventsDeliveredInOrder() throws {
        var machine = openMachine(createdAt: 10)
        let batch = [event("a", at: 11), event("b", at: 12, type: .delete), event("c", at: 13)]
        let actions = machine.received(events(1, at: 13, batch))
        try #require(actions.count == 1)
        let (id, response) = try #require(actions[0].deliveredEvents)
        #expect(id == 1)
        #expect(response.header == mappedHeader(13))
        #expect(response.events.map(\.revision) == [11, 12, 13])
        #expect(response.events.map(\.keyValue.key) == ["a", "b", "c"])
        #expect(response.events.map(\.kind) == [.put, .delete, .put])
    }

    @Test("after delivered events the watcher resumes from the last event's revision + 1")
    func eventsAdvanceResumePoint() {
        var machine = openMachine(createdAt: 10)
        _ = machine.received(events(1, at: 14, [event("a", at: 11), event("b", at: 14)]))
        #expect(machine.watchers[1]?.lastDelivered == 14)
        #expect(reconnect(&machine) == [1: 15])
    }

    @Test("a watcher with a start revision resumes after its delivered events, not from its start")
    func startRevisionWatcherResumesAfterEvents() {
        var machine = Machine()
        let (id, _) = machine.add(request(startRevision: 3))
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, id, at: 20)
        _ = machine.received(events(id, at: 20, [event("a", at: 3), event("a", at: 8)]))
        #expect(reconnect(&machine) == [id: 9])
    }

    @Test("events at or below the last delivered revision are dropped when the server replays them")
    func replayedEventsDropped() {
        var machine = openMachine(createdAt: 10)
        _ = machine.received(events(1, at: 12, [event("a", at: 11), event("b", at: 12)]))
        _ = reconnect(&machine)
        _ = receiveCreated(&machine, 1, at: 12)
        #expect(machine.received(events(1, at: 12, [event("a", at: 11), event("b", at: 12)])).isEmpty)
        #expect(machine.watchers[1]?.lastDelivered == 12)
    }

    @Test("a batch mixing replayed and new events keeps only the new ones, in order")
    func mixedBatchKeepsNewer() {
        var machine = openMachine(createdAt: 10)
        _ = machine.received(events(1, at: 12, [event("a", at: 11), event("b", at: 12)]))
        let batch = [
            event("a", at: 11), event("b", at: 12), event("c", at: 13), event("d", at: 13), event("e", at: 15),
        ]
        let actions = machine.received(events(1, at: 15, batch))
        #expect(revisions(actions) == [13, 13, 15])
        #expect(
            actions.compactMap(\.deliveredEvents).flatMap { $0.response.events.map(\.keyValue.key) }
                == ["c", "d", "e"]
        )
        #expect(reconnect(&machine) == [1: 16])
    }

    @Test("events are delivered to the watcher they are addressed to")
    func eventsRoutedByWatchID() {
        var machine = openMachine(watchers: 2, createdAt: 10)
        let actions = machine.received(events(2, at: 11, [event("x", at: 11)]))
        #expect(actions.compactMap(\.deliveredEvents).map(\.id) == [2])
        #expect(reconnect(&machine) == [1: 11, 2: 12])
    }

    // MARK: Fragments

    @Test("fragments are held until the last one and delivered as one response")
    func fragmentsJoined() throws {
        var machine = openMachine(createdAt: 10)
        #expect(machine.received(events(1, at: 11, [event("a", at: 11), event("b", at: 11)], fragment: true)).isEmpty)
        #expect(machine.received(events(1, at: 11, [event("c", at: 11)], fragment: true)).isEmpty)
        let actions = machine.received(events(1, at: 11, [event("d", at: 11)], fragment: false))
        try #require(actions.count == 1)
        let (id, response) = try #require(actions[0].deliveredEvents)
        #expect(id == 1)
        #expect(response.events.map(\.keyValue.key) == ["a", "b", "c", "d"])
        #expect(response.header == mappedHeader(11))
    }

    @Test("a fault between fragments discards them, and the resumed stream's full revision is delivered once")
    func faultDiscardsFragments() throws {
        var machine = openMachine(createdAt: 10)
        _ = machine.received(events(1, at: 11, [event("a", at: 11), event("b", at: 11)], fragment: true))
        #expect(reconnect(&machine) == [1: 11])
        #expect(machine.watchers[1]?.fragments.isEmpty == true)
        _ = receiveCreated(&machine, 1, at: 11)
        let whole = [event("a", at: 11), event("b", at: 11), event("c", at: 11)]
        _ = machine.received(events(1, at: 11, Array(whole.prefix(2)), fragment: true))
        let actions = machine.received(events(1, at: 11, [whole[2]], fragment: false))
        try #require(actions.count == 1)
        let (_, response) = try #require(actions[0].deliveredEvents)
        #expect(response.events.map(\.keyValue.key) == ["a", "b", "c"])
    }

    @Test("fragments of different watchers are held apart")
    func fragmentsPerWatcher() {
        var machine = openMachine(watchers: 2, createdAt: 10)
        _ = machine.received(events(1, at: 11, [event("a", at: 11)], fragment: true))
        _ = machine.received(events(2, at: 11, [event("b", at: 11)], fragment: true))
        let first = machine.received(events(1, at: 11, [event("c", at: 11)]))
        let second = machine.received(events(2, at: 11, [event("d", at: 11)]))
        #expect(first.compactMap(\.deliveredEvents).flatMap { $0.response.events.map(\.keyValue.key) } == ["a", "c"])
        #expect(second.compactMap(\.deliveredEvents).flatMap { $0.response.events.map(\.keyValue.key) } == ["b", "d"])
    }

    // MARK: Progress

    @Test("a progress notification for one watcher is delivered empty and advances its resume point")
    func watcherProgressNotification() {
        var machine = openMachine(watchers: 2, createdAt: 10)
        let actions = machine.received(progress(1, at: 30))
        #expect(actions == [.deliver(id: 1, EtcdWatchResponse(header: mappedHeader(30), events: []))])
        #expect(reconnect(&machine) == [1: 31, 2: 11])
    }

    @Test("a progress notification below the resume point does not move it back")
    func staleProgressKeepsResumePoint() {
        var machine = openMachine(createdAt: 10)
        _ = machine.received(events(1, at: 20, [event("a", at: 20)]))
        _ = machine.received(progress(1, at: 15))
        #expect(reconnect(&machine) == [1: 21])
    }

    @Test("a stream-wide progress notification (watch_id -1) reaches every created watcher, moving no resume point")
    func streamProgressBroadcast() {
        var machine = Machine()
        _ = machine.add(request("a"))
        _ = machine.add(request("b"))
        _ = machine.add(request("c"))
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, 1, at: 10)
        _ = receiveCreated(&machine, 2, at: 10)
        // Watcher 3 is not created yet: it gets nothing.
        #expect(machine.received(progress(-1, at: 25)) == askForProgress, "the answer is confirmed first")
        let actions = machine.received(progress(-1, at: 26))
        let empty = EtcdWatchResponse(header: mappedHeader(25), events: [])
        #expect(actions == [.deliver(id: 1, empty), .deliver(id: 2, empty)])
        // etcd 3.4 answers a progress request even while a watcher is catching up, so it proves nothing.
        #expect(reconnect(&machine) == [1: 11, 2: 11, 3: 0])
    }

    @Test(
        "a progress request asked for while no stream is open is sent once one opens, after the creates; one request is in flight at a time"
    )
    func progressRequestWhenOpen() {
        var machine = Machine()
        #expect(machine.progressRequest().isEmpty)
        _ = machine.add(request())
        #expect(machine.progressRequest().isEmpty)
        let opened = machine.streamOpened()
        #expect(opened.count == 2 && opened[0].createRequest != nil)
        #expect(opened[1] == askForProgress[0], "the ask made before the stream opened")
        #expect(machine.progressRequest().isEmpty, "a request is in flight: the next serves this ask")
        _ = receiveCreated(&machine, 1, at: 10)
        #expect(machine.received(progress(-1, at: 10)) == askForProgress)
        #expect(machine.received(progress(-1, at: 10)).compactMap(\.deliveredEvents).map(\.id) == [1])
    }

    @Test("an ask whose answer a stream failure lost is asked again on the next stream, and a missed answer too")
    func progressSurvivesReconnect() {
        var machine = openMachine(watchers: 2, createdAt: 10)
        #expect(machine.progressRequest() == askForProgress)
        _ = machine.streamFailed()
        let opened = machine.streamOpened()
        #expect(opened.last == askForProgress[0], "asked again after the creates")
        // Watcher 1 settles on the new stream and misses the answer; the stream fails again before it settles.
        _ = receiveCreated(&machine, 2, at: 10)
        #expect(machine.received(created(1, at: 10)).contains(.settleLater(id: 1, stream: 2)))
        #expect(machine.received(progress(-1, at: 11)) == askForProgress)
        #expect(machine.received(progress(-1, at: 11)).compactMap(\.deliveredEvents).map(\.id) == [2])
        _ = machine.streamFailed()
        #expect(machine.streamOpened().compactMap(\.createRequest).count == 2, "nothing in flight to ask again")
        _ = receiveCreated(&machine, 2, at: 11)
        #expect(machine.received(created(1, at: 11)).contains(.settleLater(id: 1, stream: 3)))
        #expect(machine.settled(1, stream: 3) == askForProgress, "the answer it missed on the earlier stream")
    }

    // MARK: Cancellation by the server

    @Test("canceled with a compact revision fails the watcher with compacted and forgets it")
    func compactedCancel() throws {
        var machine = Machine()
        let (id, _) = machine.add(request(startRevision: 2))
        _ = machine.streamOpened()
        #expect(receiveCreated(&machine, id, at: 50) == [.created(id: id, revision: 50)])
        let actions = machine.received(canceled(id, at: 50, compactRevision: 40))
        try #require(actions.count == 1)
        let (failedID, error) = try #require(actions[0].failure)
        #expect(failedID == id)
        #expect(error.code == .compacted)
        #expect(error.compactRevision == 40)
        #expect(machine.watchers[id] == nil)
        #expect(machine.streamFailed() == false)
    }

    @Test("canceled with a known etcd message fails with that message's code")
    func knownCancelReason() throws {
        var machine = openMachine(createdAt: 10)
        let actions = machine.received(canceled(1, at: 10, reason: "etcdserver: permission denied"))
        let (id, error) = try #require(actions.first?.failure)
        #expect(id == 1)
        #expect(error.code == .permissionDenied)
        #expect(machine.watchers[1] == nil)
    }

    @Test("canceled with an unknown reason fails with watchCancelled and keeps the reason")
    func unknownCancelReason() throws {
        var machine = openMachine(createdAt: 10)
        let actions = machine.received(canceled(1, at: 10, reason: "something odd"))
        let (_, error) = try #require(actions.first?.failure)
        #expect(error.code == .watchCancelled)
        #expect(error.message == "something odd")
    }

    @Test("canceled without a reason fails with watchCancelled")
    func emptyCancelReason() throws {
        var machine = openMachine(createdAt: 10)
        let (_, error) = try #require(machine.received(canceled(1, at: 10)).first?.failure)
        #expect(error.code == .watchCancelled)
    }

    @Test("a refused create (watch_id -1) with etcd's wire text for permission denied fails with permissionDenied")
    func refusedCreateWireReasonMapsCode() throws {
        // etcd (v3rpc/watch.go) sets cancel_reason to rpctypes.ErrGRPCPermissionDenied.Error(), which is a
        // gRPC status error's text: "rpc error: code = PermissionDenied desc = etcdserver: permission denied".
        var machine = Machine()
        let (id, _) = machine.add(request())
        _ = machine.streamOpened()
        let reason = "rpc error: code = PermissionDenied desc = etcdserver: permission denied"
        let actions = machine.received(refused(at: 10, reason: reason))
        let (failedID, error) = try #require(actions.first?.failure)
        #expect(failedID == id)
        #expect(error.code == .permissionDenied)
    }

    // MARK: Refused creates

    @Test("a refused create fails the oldest pending create, and the next one is later created normally")
    func refusedCreateFailsOldestPending() throws {
        var machine = Machine()
        let first = machine.add(request("a")).id
        let second = machine.add(request("b")).id
        _ = machine.streamOpened()
        let refusal = machine.received(refused(at: 10, reason: "etcdserver: permission denied"))
        try #require(refusal.count == 1)
        let (failedID, error) = try #require(refusal[0].failure)
        #expect(failedID == first)
        #expect(error.code == .permissionDenied)
        #expect(machine.watchers[first] == nil)
        #expect(machine.watchers[second] != nil)
        #expect(receiveCreated(&machine, second, at: 10) == [.created(id: second, revision: 10)])
    }

    @Test("a refused create after an accepted one fails the still-pending watcher, not the created one")
    func refusedCreateSkipsAnsweredCreates() throws {
        var machine = Machine()
        let first = machine.add(request("a")).id
        let second = machine.add(request("b")).id
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, first, at: 10)
        let (failedID, _) = try #require(machine.received(refused(at: 10, reason: "x")).first?.failure)
        #expect(failedID == second)
        #expect(machine.watchers[first] != nil)
    }

    @Test("a refused create answers a create sent on the open stream after the initial ones")
    func refusedCreateOfLateAdd() throws {
        var machine = openMachine(createdAt: 10)
        let late = machine.add(request("late")).id
        let (failedID, _) = try #require(machine.received(refused(at: 10, reason: "x")).first?.failure)
        #expect(failedID == late)
        #expect(machine.watchers[1] != nil)
    }

    @Test("a refused create with no create pending is ignored")
    func refusedCreateWithoutPending() {
        var machine = openMachine(createdAt: 10)
        #expect(machine.received(refused(at: 10, reason: "x")).isEmpty)
        #expect(machine.watchers[1] != nil)
    }

    @Test("creates left unanswered by a failed stream are not matched by refusals on the next one")
    func pendingCreatesResetOnFault() throws {
        var machine = Machine()
        let first = machine.add(request("a")).id
        let second = machine.add(request("b")).id
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, first, at: 10)
        _ = reconnect(&machine)
        // The new stream re-sent both creates, in ID order: the first refusal answers the first watcher.
        let (failedID, _) = try #require(machine.received(refused(at: 11, reason: "x")).first?.failure)
        #expect(failedID == first)
        #expect(receiveCreated(&machine, second, at: 11) == [.created(id: second, revision: 11)])
    }

    @Test("a refusal answering the create of a watcher removed meanwhile does not fail the next pending watcher")
    func refusalOfRemovedWatcherDoesNotFailAnother() {
        // The server answers creates in order. Watcher A's create is sent, then B's; A is removed before its
        // answer arrives; the server refuses A's create (watch_id -1) and accepts B's.
        var machine = openMachine(createdAt: 10)
        let removed = machine.add(request("forbidden")).id
        let kept = machine.add(request("allowed")).id
        _ = machine.remove(removed)
        let refusal = machine.received(refused(at: 10, reason: "etcdserver: permission denied"))
        #expect(refusal.isEmpty)
        #expect(machine.watchers[kept] != nil)
        #expect(receiveCreated(&machine, kept, at: 10) == [.created(id: kept, revision: 10)])
    }

    // MARK: Removing watchers

    @Test("removing the last watcher while open cancels it and keeps the stream open")
    func removeLastKeepsStream() throws {
        var machine = openMachine()
        let actions = machine.remove(1)
        try #require(actions.count == 1)
        #expect(try #require(actions[0].cancelRequest).watchId == 1)
        #expect(machine.watchers.isEmpty)
        #expect(machine.phase == .open)
    }

    @Test("removing one of several watchers sends a cancel request with its ID")
    func removeOneSendsCancel() throws {
        var machine = openMachine(watchers: 3)
        let actions = machine.remove(2)
        try #require(actions.count == 1)
        let cancel = try #require(actions[0].cancelRequest)
        #expect(cancel.watchId == 2)
        #expect(machine.watchers.keys.sorted() == [1, 3])
    }

    @Test("removing an unknown watcher does nothing")
    func removeUnknown() {
        var machine = openMachine()
        #expect(machine.remove(99).isEmpty)
        #expect(machine.remove(1).count == 1)
        #expect(machine.remove(1).isEmpty)
    }

    @Test("removing a watcher while the stream opens sends nothing, and it is not created on the stream")
    func removeWhileOpening() {
        var machine = Machine()
        let first = machine.add(request("a")).id
        let second = machine.add(request("b")).id
        #expect(machine.remove(first).isEmpty)
        let creates = machine.streamOpened().compactMap(\.createRequest)
        #expect(creates.map(\.watchId) == [second])
    }

    @Test("responses for a removed watcher are ignored")
    func responsesForRemovedWatcherIgnored() {
        var machine = openMachine(watchers: 2, createdAt: 10)
        _ = machine.remove(1)
        #expect(machine.received(events(1, at: 11, [event("a", at: 11)])).isEmpty)
        #expect(machine.received(progress(1, at: 12)).isEmpty)
        #expect(machine.received(canceled(1, at: 12)).isEmpty)
        #expect(receiveCreated(&machine, 1, at: 12).isEmpty)
        #expect(machine.watchers.keys.sorted() == [2])
    }

    @Test("a stream-wide progress notification skips removed watchers")
    func progressSkipsRemoved() {
        var machine = openMachine(watchers: 2, createdAt: 10)
        _ = machine.remove(1)
        _ = machine.received(progress(-1, at: 20))
        #expect(machine.received(progress(-1, at: 21)).compactMap(\.deliveredEvents).map(\.id) == [2])
    }

    @Test(
        "a watcher catching up on history gets no stream-wide progress answer until an event reaches its creation revision, a progress of its own comes, or it settles without events"
    )
    func catchingUpGetsNoStreamProgress() {
        var machine = Machine()
        _ = machine.add(request("a", startRevision: 5))
        _ = machine.add(request("b", startRevision: 5))
        _ = machine.add(request("c", startRevision: 5))
        _ = machine.add(request("d", startRevision: 5))
        _ = machine.streamOpened()
        // The server is at 20: it replays 5...20 to each watcher.
        for id in Int64(1)...4 {
            #expect(
                machine.received(created(id, at: 20)) == [
                    .created(id: id, revision: 20), .settleLater(id: id, stream: 1),
                ]
            )
        }
        #expect(machine.received(progress(-1, at: 21)) == askForProgress)
        #expect(machine.received(progress(-1, at: 21)).isEmpty, "no watcher is caught up")
        // Watcher 1 gets an event at 20 and asks for the answer it missed; watcher 2 one at 12 (still behind);
        // watcher 3 a progress of its own; watcher 4 nothing.
        let first = machine.received(events(1, at: 20, [event("a", at: 20)]))
        #expect(first.compactMap(\.deliveredEvents).map(\.id) == [1])
        #expect(Array(first.dropFirst()) == askForProgress)
        _ = machine.received(events(2, at: 12, [event("b", at: 12)]))
        #expect(
            machine.received(progress(3, at: 20)).count == 1,
            "its own progress; its ask for the answer it missed waits for the request in flight"
        )
        #expect(machine.received(progress(-1, at: 22)) == askForProgress)
        let answer = machine.received(progress(-1, at: 22))
        #expect(answer.compactMap(\.deliveredEvents).map(\.id) == [1, 3])
        #expect(answer.last == askForProgress.first, "watcher 3 asked after that request went out: confirmed in turn")
        // Settling time passes: watcher 2 had an event meanwhile and settles again; watcher 4 had none, so etcd's
        // sync loop found nothing more to send it: it is caught up, and asks for the answer it missed.
        #expect(machine.settled(2, stream: 1) == [.settleLater(id: 2, stream: 1)])
        #expect(machine.settled(4, stream: 1).isEmpty, "its ask waits for the request in flight")
        #expect(machine.settled(1, stream: 1).isEmpty, "already caught up")
        let next = machine.received(progress(-1, at: 23))
        #expect(next.compactMap(\.deliveredEvents).map(\.id) == [1, 3, 4], "watcher 4 is settled by now")
        #expect(next.last == askForProgress.first, "watcher 4's ask, served by a request made after it")
        #expect(machine.settled(2, stream: 1).isEmpty, "no event this time: caught up, asking with the next request")
        #expect(machine.received(progress(-1, at: 24)) == askForProgress)
        #expect(machine.received(progress(-1, at: 25)).compactMap(\.deliveredEvents).map(\.id) == [1, 2, 3, 4])
        #expect(machine.received(progress(-1, at: 26)).compactMap(\.deliveredEvents).map(\.id) == [1, 2, 3, 4])
        // After a new stream, a watcher re-created from the revision after the current one settles, then gets answers.
        _ = machine.streamFailed()
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, 1, at: 20)
        _ = machine.received(progress(-1, at: 23))
        #expect(machine.received(progress(-1, at: 23)).compactMap(\.deliveredEvents).map(\.id) == [1])
    }

    @Test(
        "a stream-wide progress answer is delivered only once a second answer confirms it, with its own revision; a new stream forgets it"
    )
    func streamProgressConfirmed() {
        var machine = openMachine(watchers: 1, createdAt: 10)
        // etcd before 3.4.25 and 3.5.8 can send its answer ahead of the events of a write being committed.
        #expect(machine.received(progress(-1, at: 30)) == askForProgress)
        let late = machine.received(events(1, at: 30, [event("a", at: 30)]))
        #expect(late.compactMap(\.deliveredEvents).map(\.id) == [1], "the event behind the answer comes first")
        let confirmed = machine.received(progress(-1, at: 31))
        #expect(confirmed == [.deliver(id: 1, EtcdWatchResponse(header: mappedHeader(30), events: []))])
        // An unconfirmed answer does not survive a new stream: the next answer waits for confirmation again.
        _ = machine.received(progress(-1, at: 40))
        _ = machine.streamFailed()
        _ = machine.streamOpened()
        _ = receiveCreated(&machine, 1, at: 41)
        #expect(machine.received(progress(-1, at: 42)) == askForProgress)
    }

    @Test(
        "a watcher created from the revision after the current one gets no stream-wide progress answer while it settles, and asks again once settled"
    )
    func settlingWatcherAsksAgain() {
        var machine = Machine()
        _ = machine.add(request("a", startRevision: 11))
        _ = machine.streamOpened()
        // etcd read its revision (10) before it registered the watcher; a write at 11 came in between, so the
        // server replays it from its sync loop while the create response says there is nothing to replay.
        #expect(
            machine.received(created(1, at: 10)) == [.created(id: 1, revision: 10), .settleLater(id: 1, stream: 1)]
        )
        #expect(machine.received(progress(-1, at: 11)) == askForProgress)
        #expect(machine.received(progress(-1, at: 11)).isEmpty, "the settling watcher does not get the answer")
        #expect(revisions(machine.received(events(1, at: 11, [event("a", at: 11)]))) == [11])
        // Once settled, it asks for the answer it missed; that answer reaches it once confirmed.
        #expect(machine.settled(1, stream: 1) == askForProgress)
        #expect(machine.settled(1, stream: 1).isEmpty, "settling ends once")
        #expect(machine.received(progress(-1, at: 12)) == askForProgress)
        #expect(
            machine.received(progress(-1, at: 12)) == [
                .deliver(id: 1, EtcdWatchResponse(header: mappedHeader(12), events: []))
            ]
        )
    }

    @Test("a settling delay from an earlier stream is ignored; a progress notification of its own settles a watcher")
    func settlingBelongsToItsStream() {
        var machine = Machine()
        _ = machine.add(request("a"))
        _ = machine.streamOpened()
        _ = machine.received(created(1, at: 10))
        _ = machine.streamFailed()
        _ = machine.streamOpened()
        #expect(machine.received(created(1, at: 10)).contains(.settleLater(id: 1, stream: 2)))
        #expect(machine.settled(1, stream: 1).isEmpty)
        _ = machine.received(progress(-1, at: 13))
        #expect(machine.received(progress(-1, at: 13)).isEmpty, "still settling on the new stream")
        // etcd sends a watcher a progress notification of its own only once it is synced: it asks for the answer
        // it missed.
        #expect(machine.received(progress(1, at: 13)).last == askForProgress.first)
        #expect(machine.settled(1, stream: 2).isEmpty, "already settled by its own progress")
        _ = machine.received(progress(-1, at: 14))
        #expect(machine.received(progress(-1, at: 14)).compactMap(\.deliveredEvents).map(\.id) == [1])
        // A watcher catching up on history settles too.
        _ = machine.add(request("b", startRevision: 5))
        #expect(
            machine.received(created(2, at: 14)) == [.created(id: 2, revision: 14), .settleLater(id: 2, stream: 2)]
        )
    }

    @Test(
        "one progress request is in flight at a time; asks made meanwhile are served by the next, whose answer is confirmed in turn"
    )
    func progressConfirmedByLaterRequestOnly() {
        var machine = openMachine(createdAt: 10)
        let empty = { (revision: Int64) in EtcdWatchResponse(header: mappedHeader(revision), events: []) }
        #expect(machine.progressRequest() == askForProgress)
        // A second caller asks while the first request is in flight (etcd 3.4.25 and 3.5.8 would merge them).
        #expect(machine.progressRequest().isEmpty)
        #expect(machine.received(progress(-1, at: 30)) == askForProgress, "confirms 30, and serves the second ask")
        #expect(machine.received(progress(-1, at: 31)) == [.deliver(id: 1, empty(30))] + askForProgress)
        #expect(machine.received(progress(-1, at: 32)) == [.deliver(id: 1, empty(31))])
        // Nobody else asked: one answer confirms the next, and no request follows.
        #expect(machine.progressRequest() == askForProgress)
        #expect(machine.received(progress(-1, at: 40)) == askForProgress)
        #expect(machine.received(progress(-1, at: 40)) == [.deliver(id: 1, empty(40))])
    }

    @Test("watcher IDs are never reused after removal")
    func idsNotReused() {
        var machine = openMachine()
        _ = machine.remove(1)
        #expect(machine.add(request()).id == 2)
    }

    // MARK: Stream failure and closing

    @Test("streamFailed asks for a new stream while watchers remain")
    func streamFailedWithWatchers() {
        var machine = openMachine(watchers: 2)
        let reopen = machine.streamFailed()
        #expect(reopen)
        #expect(machine.phase == .opening)
        #expect(machine.watchers.values.allSatisfy { !$0.created })
    }

    @Test("streamFailed with no watcher left returns false and goes back to idle")
    func streamFailedWithoutWatchers() {
        var machine = openMachine()
        _ = machine.remove(1)
        let reopen = machine.streamFailed()
        #expect(!reopen)
        #expect(machine.phase == .idle)
        #expect(machine.add(request()).actions == [.openStream])
    }

    @Test("an add between a fault and the new stream waits for streamOpened")
    func addWhileReopening() {
        var machine = openMachine()
        let reopen = machine.streamFailed()
        #expect(reopen)
        let (id, actions) = machine.add(request("new"))
        #expect(actions.isEmpty)
        #expect(machine.streamOpened().compactMap(\.createRequest).map(\.watchId) == [1, id])
    }

    @Test("failAll fails every watcher with the given error and leaves none")
    func failAllFailsEveryone() {
        var machine = openMachine(watchers: 3)
        let error = EtcdError(.clientClosed, message: "closed")
        #expect(machine.failAll(error) == [.fail(id: 1, error), .fail(id: 2, error), .fail(id: 3, error)])
        #expect(machine.watchers.isEmpty)
        #expect(machine.phase == .idle)
        let reopen = machine.streamFailed()
        #expect(!reopen)
    }

    @Test("failAll with no watcher returns nothing")
    func failAllEmpty() {
        var machine = Machine()
        #expect(machine.failAll(EtcdError(.clientClosed)).isEmpty)
    }
}
