import _EtcdTransport
import _EtcdWire

/// Runs the client's watchers on one bidirectional Watch stream, and re-opens the stream after a fault.
///
/// The logic is in ``WatchStreamStateMachine``; this class holds it under a lock, performs its actions
/// (sends on the stream, yields to consumers) and runs the task that reads the stream.
final class EtcdWatchHub: Sendable {
    private struct State {
        var machine = WatchStreamStateMachine()
        var stream: GRPCStream?
        var consumers: [Int64: AsyncThrowingStream<EtcdWatchResponse, any Error>.Continuation] = [:]
        var creationWaiters: [Int64: CheckedContinuation<Int64, any Error>] = [:]
        /// Creations (or failures) that arrived before their waiter was registered.
        var earlyOutcomes: [Int64: Result<Int64, EtcdError>] = [:]
        /// Creations refused for an expired token since the last successful creation.
        var tokenRefusals = 0
        /// Why the hub takes no more watchers, once the client is closed.
        var closed: EtcdError?
        /// Creation waiters to resume once the lock is released (see ``EtcdWatchHub/withState(_:)``).
        var resumptions: [(waiter: CheckedContinuation<Int64, any Error>, outcome: Result<Int64, any Error>)] = []

        /// Resumes `waiter` with `outcome` after the lock is released.
        mutating func resume(_ waiter: CheckedContinuation<Int64, any Error>?, with outcome: Result<Int64, any Error>) {
            if let waiter { resumptions.append((waiter, outcome)) }
        }
    }

    private let channel: EtcdChannel
    private let state = LockedValue(State())

    init(channel: EtcdChannel) {
        self.channel = channel
    }

    /// Runs `body` under the lock, then resumes the creation waiters it released. A waiter is never resumed under
    /// the lock: resuming takes the waiting task's own lock, which a concurrent cancellation of that task holds
    /// while its handler waits for this one (a deadlock seen under etcd 3.5).
    private func withState<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        let (result, resumptions) = state.withLock { state in
            let result = body(&state)
            defer { state.resumptions = [] }
            return (result, state.resumptions)
        }
        for (waiter, outcome) in resumptions { waiter.resume(with: outcome) }
        return result
    }

    /// How many watches are registered (created on the server, or being created).
    var registeredCount: Int {
        withState { $0.consumers.count }
    }

    /// Registers a watcher and waits until the server created it.
    ///
    /// - Returns: the watcher's ID, its responses, and the revision at which it was created.
    func register(
        _ request: EtcdWatchRequest
    ) async throws -> (id: Int64, createdRevision: Int64, responses: AsyncThrowingStream<EtcdWatchResponse, any Error>)
    {
        let (responses, continuation) = AsyncThrowingStream<EtcdWatchResponse, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(max(1, request.bufferSize))
        )
        let registered = withState { state -> Result<Int64, EtcdError> in
            if let closed = state.closed { return .failure(closed) }
            let (id, actions) = state.machine.add(request)
            state.consumers[id] = continuation
            perform(actions, in: &state)
            return .success(id)
        }
        let id = try registered.get()
        let createdRevision: Int64
        do {
            createdRevision = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Int64, any Error>) in
                    withState { state in
                        if let outcome = state.earlyOutcomes.removeValue(forKey: id) {
                            state.resume(waiter, with: outcome.mapError { $0 as any Error })
                        } else if state.consumers[id] == nil || state.machine.watchers[id] == nil || Task.isCancelled {
                            state.resume(waiter, with: .failure(CancellationError()))
                        } else {
                            state.creationWaiters[id] = waiter
                        }
                    }
                }
            } onCancel: {
                withState { state in
                    state.resume(state.creationWaiters.removeValue(forKey: id), with: .failure(CancellationError()))
                }
            }
        } catch {
            unregister(id)
            throw error
        }
        return (id, createdRevision, responses)
    }

    /// Removes a watcher: cancels it on the server and ends its responses.
    func unregister(_ id: Int64) {
        withState { state in
            let actions = state.machine.remove(id)
            state.consumers.removeValue(forKey: id)?.finish()
            state.resume(state.creationWaiters.removeValue(forKey: id), with: .failure(CancellationError()))
            state.earlyOutcomes[id] = nil
            perform(actions, in: &state)
        }
    }

    /// Asks the server for a progress notification for every watcher of the stream.
    func requestProgress() {
        withState { state in
            perform(state.machine.progressRequest(), in: &state)
        }
    }

    /// Ends every watcher with `clientClosed`.
    func close(with error: EtcdError = EtcdError(.clientClosed, message: "the client was closed")) {
        withState { state in
            state.closed = error
            let actions = state.machine.failAll(error)
            perform(actions, in: &state)
            state.stream?.cancel()
            state.stream = nil
        }
    }

    // MARK: - Actions

    private func perform(_ actions: [WatchStreamStateMachine.Action], in state: inout State) {
        for action in actions {
            switch action {
            case .send(let request):
                // A failed send means the stream is gone; its reader re-opens it and re-creates every watcher.
                try? state.stream?.send(request.serializedBytes())
            case .openStream:
                channel.backgroundTasks.start { await self.runStream() }
            case .created(let id, let revision):
                if let waiter = state.creationWaiters.removeValue(forKey: id) {
                    state.resume(waiter, with: .success(revision))
                } else {
                    state.earlyOutcomes[id] = .success(revision)
                }
            case .deliver(let id, let response):
                guard let consumer = state.consumers[id] else { continue }
                if case .dropped = consumer.yield(response) {
                    let overflow = EtcdError(
                        .watchConsumerTooSlow,
                        message: "the watch's consumer fell behind by more than its buffer of responses"
                    )
                    consumer.finish(throwing: overflow)
                    state.consumers[id] = nil
                    channel.logger.log(.warning, "a watch ended: its consumer fell behind", ["watch": "\(id)"])
                    perform(state.machine.remove(id), in: &state)
                }
            case .settleLater(let id, let stream):
                channel.backgroundTasks.start { [self] in
                    guard (try? await Task.sleep(for: WatchStreamStateMachine.settlingTime)) != nil else { return }
                    withState { state in perform(state.machine.settled(id, stream: stream), in: &state) }
                }
            case .fail(let id, let error):
                channel.logger.logEnded("a watch ended", "watch", id, error)
                if let waiter = state.creationWaiters.removeValue(forKey: id) {
                    state.resume(waiter, with: .failure(error))
                } else if state.consumers[id] != nil && state.earlyOutcomes[id] == nil {
                    state.earlyOutcomes[id] = .failure(error)  // not created yet: the registration throws it
                }
                state.consumers.removeValue(forKey: id)?.finish(throwing: error)
            }
        }
    }

    // MARK: - The stream reader

    /// Opens the stream, reads it until it ends, and re-opens it while watchers remain.
    private func runStream() async {
        await ReconnectingStream.run(
            EtcdserverPB.WatchService.Watch.self,
            channel: channel,
            // A watch on a member cut off from its leader moves elsewhere instead of hanging, and ends when no
            // member has a leader.
            leader: .required,
            opened: { stream in
                withState { state in
                    state.stream = stream
                    perform(state.machine.streamOpened(), in: &state)
                }
            },
            received: { response in
                withState { state in
                    // etcd checks a watch's permission with the stream's token when the watch is created: an
                    // expired token cancels the create (etcd 3.4 says the token is invalid or old; 3.5 says
                    // only "permission denied"). Authenticate again and re-create every watcher on a new stream,
                    // twice in a row at most, rather than end the watch; a real refusal then ends it.
                    if response.canceled, state.tokenRefusals < 2,
                        let code = EtcdError.code(forServerMessage: response.cancelReason),
                        code.asksForNewToken || (code == .permissionDenied && channel.authenticator != nil)
                    {
                        state.tokenRefusals += 1
                        return .reauthenticate
                    }
                    if response.created && !response.canceled { state.tokenRefusals = 0 }
                    perform(state.machine.received(response), in: &state)
                    return .keepReading
                }
            },
            ended: {
                withState { state in
                    state.stream = nil
                    return state.machine.streamFailed()
                }
            },
            terminated: { error in close(with: error) }
        )
    }
}
