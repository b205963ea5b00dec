import Glibc
import Synchronization

/// One HTTP/2 connection to one endpoint, carrying many gRPC calls at once.
///
/// The socket and the nghttp2 session belong to one I/O thread that this object starts. Callers never
/// touch them: they put commands in a locked inbox and wake the thread; the thread drains the whole
/// inbox before it writes, so calls made at the same moment share one `write`.
package final class HTTP2Connection: Sendable {
    /// What callers hand to the I/O thread.
    enum Command: Sendable {
        case start(GRPCCall)
        case send(callID: UInt64, message: [UInt8], end: Bool)  // message is already framed
        case cancel(callID: UInt64)
        /// The consumer of a stream took messages it had let pile up: its window can open again.
        case windowOpened(callID: UInt64)
    }

    /// The connection's phase, as callers see it.
    enum Phase: Sendable {
        case open
        /// No new calls, for this reason; open calls go on.
        case goingAway(String)
        case closed(GRPCConnectionError)
    }

    struct SharedState: Sendable {
        var inbox: [Command] = []
        var wakeupPending = false
        var phase = Phase.open
        var closeRequested = false
        /// Why the connection is being closed, for the calls still open on it.
        var closeReason = GRPCConnectionError.Reason.closed
        /// Whether the client asked for no new calls and a close once the open ones have finished.
        var drainRequested = false
        var terminated = false
        var terminationWaiters: [UnsafeContinuation<Void, Never>] = []
        var thread: pthread_t?
    }

    /// The endpoint and timings.
    package let configuration: HTTP2ConnectionConfiguration
    let shared = LockedValue(SharedState())
    /// The read end of the wake-up pipe, which the I/O thread polls.
    let wakeDescriptor: Int32
    /// The write end of the wake-up pipe.
    private let wakeWriteDescriptor: Int32
    private let nextCallID = Atomic<UInt64>(1)

    /// Creates the connection and starts connecting at once on its own I/O thread.
    ///
    /// Calls made before the connection is up wait for it; if connecting fails they fail with
    /// a ``GRPCConnectionError`` whose `requestNotSent` is `true`.
    package init(configuration: HTTP2ConnectionConfiguration) {
        self.configuration = configuration
        var pipeDescriptors: [Int32] = [-1, -1]
        if pipe(&pipeDescriptors) == 0 {
            for descriptor in pipeDescriptors {
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            }
        } else {
            pipeDescriptors = [-1, -1]
        }
        self.wakeDescriptor = pipeDescriptors[0]
        self.wakeWriteDescriptor = pipeDescriptors[1]
        let loop = HTTP2IOLoop(connection: self)
        let box = Unmanaged.passRetained(loop).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread,
            nil,
            { argument in
                guard let argument else { return nil }
                let loop = Unmanaged<HTTP2IOLoop>.fromOpaque(argument).takeRetainedValue()
                loop.run()
                return nil
            },
            box
        )
        if status == 0 {
            shared.withLock { $0.thread = thread }
        } else {
            Unmanaged<HTTP2IOLoop>.fromOpaque(box).release()
            let error = GRPCConnectionError(
                endpoint: configuration.authority,
                reason: .closed,
                detail: "could not start the I/O thread: \(errnoText(status))",
                requestNotSent: true
            )
            shared.withLock {
                $0.phase = .closed(error)
                $0.terminated = true
            }
        }
    }

    deinit {
        Glibc.close(wakeDescriptor)
        Glibc.close(wakeWriteDescriptor)
    }

    /// Whether new calls can start here: `false` once the server said GOAWAY or the connection failed or closed.
    package var isAcceptingCalls: Bool {
        shared.withLock {
            if case .open = $0.phase { return true }
            return false
        }
    }

    /// Why the connection takes no new calls but has not ended (the server sent GOAWAY, ``drain(within:)`` was
    /// called, or the server went silent after a request), or `nil` while it takes calls or once it has ended.
    package var goingAwayReason: String? {
        shared.withLock {
            if case .goingAway(let reason) = $0.phase { return reason }
            return nil
        }
    }

    /// The error the connection ended with, if it has ended.
    package var terminalError: GRPCConnectionError? {
        shared.withLock {
            if case .closed(let error) = $0.phase { return error }
            return nil
        }
    }

    /// Makes a unary call: one request message, already framed (see `ProtobufMessage.grpcFramedBytes()`, which
    /// builds the frame in one exactly sized array), and one response message.
    ///
    /// - Throws: ``GRPCStatus`` for a status other than OK (a passed deadline is `DEADLINE_EXCEEDED`),
    ///   ``GRPCConnectionError`` when the connection fails, `CancellationError` when the calling task is
    ///   cancelled (the stream is then reset with CANCEL).
    package func unary(_ head: GRPCRequestHead, framedRequest: [UInt8]) async throws -> [UInt8] {
        let id = nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        let maximumResponseSize = configuration.maximumResponseSize
        let cancellation = GRPCCallCancellation()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let call = GRPCCall(
                    id: id,
                    head: head,
                    sink: .unary(continuation),
                    framedRequest: framedRequest,
                    ended: true,
                    maximumResponseSize: maximumResponseSize,
                    cancellation: cancellation
                )
                if let error = enqueue(.start(call)) {
                    call.finish(throwing: error)
                }
            }
        } onCancel: {
            // On the call itself first: the I/O thread checks it when the call starts, whatever came before.
            cancellation.cancel()
            _ = enqueue(.cancel(callID: id))
        }
    }

    /// Opens a streaming call. Messages are sent with ``GRPCStream/send(_:)``; responses arrive on
    /// ``GRPCStream/responses``.
    package func makeStream(_ head: GRPCRequestHead) -> GRPCStream {
        let id = nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        let cancellation = GRPCCallCancellation()
        let buffer = GRPCResponseBuffer(
            allowance: configuration.streamWindowSize / 2,
            windowOpened: { [weak self] in _ = self?.enqueue(.windowOpened(callID: id)) },
            cancelCall: { [weak self] in
                cancellation.cancel()
                _ = self?.enqueue(.cancel(callID: id))
            }
        )
        let call = GRPCCall(
            id: id,
            head: head,
            sink: .stream(buffer),
            framedRequest: [],
            ended: false,
            maximumResponseSize: configuration.maximumResponseSize,
            cancellation: cancellation
        )
        let stream = GRPCStream(
            connection: self,
            callID: id,
            cancellation: cancellation,
            responses: GRPCResponseStream(buffer: buffer)
        )
        if let error = enqueue(.start(call)) {
            call.finish(throwing: error)
        }
        return stream
    }

    /// Closes the connection: open calls fail with a ``GRPCConnectionError`` whose reason is `closed`,
    /// the socket is closed and the I/O thread has ended when this returns.
    package func close() async {
        await close(reason: .closed)
    }

    /// Stops taking new calls (they fail with reason `goingAway`, not sent) and closes the connection once the
    /// open calls have finished, or after `grace`, when the ones still open fail with reason `retired`.
    ///
    /// The I/O thread has ended when this returns.
    package func drain(within grace: Duration) async {
        let needsWakeup = shared.withLock { state -> Bool in
            if case .open = state.phase { state.phase = .goingAway("the client moved to another endpoint") }
            defer { state.drainRequested = true }
            return !state.drainRequested && !state.terminated
        }
        if needsWakeup { wake() }
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitUntilTerminated()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            if await group.next() == true {
                group.cancelAll()
            } else {
                await close(reason: .retired)
            }
        }
        await close(reason: .retired)
    }

    /// Asks the I/O thread to end with open calls failing for `reason`, waits for it and joins it.
    private func close(reason: GRPCConnectionError.Reason) async {
        let needsWakeup = shared.withLock { state -> Bool in
            let first = !state.closeRequested
            if first { state.closeReason = reason }
            state.closeRequested = true
            return first && !state.terminated
        }
        if needsWakeup { wake() }
        await waitUntilTerminated()
        if let thread = shared.withLock({ state -> pthread_t? in
            defer { state.thread = nil }
            return state.thread
        }) {
            pthread_join(thread, nil)
        }
    }

    /// Returns once the I/O thread has released everything.
    private func waitUntilTerminated() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let done = shared.withLock { state -> Bool in
                if state.terminated { return true }
                state.terminationWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Puts a command in the inbox and wakes the I/O thread if it may be asleep.
    ///
    /// - Returns: the error that stops the command, when the connection cannot take it.
    func enqueue(_ command: Command) -> GRPCConnectionError? {
        let (error, needsWakeup) = shared.withLock { state -> (GRPCConnectionError?, Bool) in
            switch state.phase {
            case .closed(let error):
                return (
                    GRPCConnectionError(
                        endpoint: error.endpoint,
                        reason: error.reason,
                        detail: error.detail,
                        requestNotSent: true
                    ), false
                )
            case .goingAway(let reason):
                if case .start = command {
                    return (
                        GRPCConnectionError(
                            endpoint: configuration.authority,
                            reason: .goingAway,
                            detail: reason,
                            requestNotSent: true
                        ), false
                    )
                }
            case .open:
                break
            }
            if state.closeRequested, case .start = command {
                return (
                    GRPCConnectionError(
                        endpoint: configuration.authority,
                        reason: .closed,
                        detail: "the connection is closing",
                        requestNotSent: true
                    ), false
                )
            }
            state.inbox.append(command)
            if state.wakeupPending { return (nil, false) }
            state.wakeupPending = true
            return (nil, true)
        }
        if needsWakeup { wake() }
        return error
    }

    /// Wakes the I/O thread.
    func wake() {
        var one: UInt8 = 1
        _ = Glibc.write(wakeWriteDescriptor, &one, 1)
    }
}
