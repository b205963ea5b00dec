/// The response messages of one streaming call between the I/O thread, which adds them, and the one consumer,
/// which takes them: the flow-control window of the call follows what the consumer has taken.
///
/// The I/O thread returns a stream's received bytes to the server's window only while the consumer keeps up:
/// messages waiting here beyond ``allowance`` bytes are *withheld*, so a consumer that stops taking stops the
/// server once the stream window is spent, and memory stays under about `allowance + window` bytes. When the
/// consumer takes messages back under the allowance it calls `windowOpened` (once per stall), and the I/O thread
/// returns what it has taken.
final class GRPCResponseBuffer: Sendable {
    private struct State: Sendable {
        /// Each waiting message with the bytes of the window it took.
        var messages: [(message: [UInt8], framedSize: Int)] = []
        var head = 0
        /// The framed size of the messages waiting here.
        var queuedBytes = 0
        /// Whether the I/O thread withheld bytes and waits to hear that the consumer took some.
        var stalled = false
        /// How the stream ended, once it has: `nil` inside for success.
        var ending: (any Error)??
        /// Whether the consumer was given the end.
        var endDelivered = false
        var waiter: UnsafeContinuation<[UInt8]?, any Error>?
    }

    /// Bytes that may wait here without holding back the server.
    let allowance: Int
    private let state = LockedValue(State())
    private let windowOpened: @Sendable () -> Void
    private let cancelCall: @Sendable () -> Void

    /// Creates an empty buffer.
    ///
    /// - Parameters:
    ///   - allowance: the bytes that may wait before the server is held back.
    ///   - windowOpened: called on the consumer's side when it took withheld bytes: tells the I/O thread.
    ///   - cancelCall: called when the consumer stops waiting because its task was cancelled, or leaves.
    init(
        allowance: Int,
        windowOpened: @escaping @Sendable () -> Void,
        cancelCall: @escaping @Sendable () -> Void
    ) {
        self.allowance = allowance
        self.windowOpened = windowOpened
        self.cancelCall = cancelCall
    }

    // MARK: - The I/O thread's side

    /// Adds one message that took `framedSize` bytes of the window.
    func append(_ message: [UInt8], framedSize: Int) {
        let waiter = state.withLock { state -> UnsafeContinuation<[UInt8]?, any Error>? in
            guard state.ending == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.messages.append((message, framedSize))
            state.queuedBytes += framedSize
            return nil
        }
        waiter?.resume(returning: message)
    }

    /// The bytes waiting beyond the allowance, which the window must not get back yet; when there are some, the
    /// consumer calls `windowOpened` once it has taken enough.
    func withheldBytes() -> Int {
        state.withLock { state in
            let withheld = max(0, state.queuedBytes - allowance)
            state.stalled = withheld > 0
            return withheld
        }
    }

    /// Ends the stream: the consumer gets the messages still waiting, then the end (`error`, or `nil`).
    func finish(throwing error: (any Error)?) {
        let waiter = state.withLock { state -> UnsafeContinuation<[UInt8]?, any Error>? in
            guard state.ending == nil else { return nil }
            state.ending = .some(error)
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            state.endDelivered = true
            return waiter
        }
        guard let waiter else { return }
        if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
    }

    /// Whether the stream has ended (the consumer may still have messages to take).
    var hasEnded: Bool { state.withLock { $0.ending != nil } }

    /// Whether the consumer waits for a message.
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    // MARK: - The consumer's side

    /// What the consumer can take now.
    private enum Taken {
        case message([UInt8], reportWindow: Bool)
        case end((any Error)?)
        case wait
    }

    /// The next message, or `nil` after the last one.
    ///
    /// - Throws: the error the stream ended with; `CancellationError` when the calling task is cancelled, which
    ///   also cancels the call.
    func next() async throws -> [UInt8]? {
        let taken = state.withLock { state in Self.take(from: &state, allowance: allowance) }
        if case .wait = taken {
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    let (taken, waiting) = state.withLock { state -> (Taken, Bool) in
                        let taken = Self.take(from: &state, allowance: allowance)
                        // Cancelled before this point, the handler has already run: nobody would resume a waiter.
                        guard case .wait = taken, !Task.isCancelled else { return (taken, false) }
                        state.waiter = continuation
                        return (taken, true)
                    }
                    guard !waiting else { return }
                    do {
                        continuation.resume(returning: try deliver(taken))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                cancel()
            }
        }
        return try deliver(taken)
    }

    /// Hands over what was taken: the message (first telling the I/O thread when the window opened), `nil` for the
    /// end or a wait, or the stream's error, which a cancelled task turns into `CancellationError`.
    private func deliver(_ taken: Taken) throws -> [UInt8]? {
        if Task.isCancelled {
            cancel()
            throw CancellationError()
        }
        switch taken {
        case .message(let message, let reportWindow):
            if reportWindow { windowOpened() }
            return message
        case .end(let error):
            if let error { throw error }
            return nil
        case .wait:
            // Only a cancelled task stops waiting without a message or the end, and it threw above.
            return nil
        }
    }

    /// Takes the first waiting message, or the end once no message waits.
    private static func take(from state: inout State, allowance: Int) -> Taken {
        if state.head < state.messages.count {
            let (message, framedSize) = state.messages[state.head]
            state.messages[state.head] = ([], 0)
            state.head += 1
            if state.head == state.messages.count {
                state.messages.removeAll(keepingCapacity: true)
                state.head = 0
            } else if state.head >= 1_024 && state.head * 2 >= state.messages.count {
                state.messages.removeSubrange(0..<state.head)
                state.head = 0
            }
            state.queuedBytes -= framedSize
            let reportWindow = state.stalled && state.queuedBytes <= allowance
            if reportWindow { state.stalled = false }
            return .message(message, reportWindow: reportWindow)
        }
        guard let ending = state.ending else { return .wait }
        if state.endDelivered { return .end(nil) }
        state.endDelivered = true
        return .end(ending)
    }

    /// Ends the consumer's wait with `CancellationError` and cancels the call.
    func cancel() {
        let waiter = state.withLock { state -> UnsafeContinuation<[UInt8]?, any Error>? in
            if state.ending == nil { state.ending = .some(CancellationError()) }
            state.endDelivered = true
            state.messages = []
            state.head = 0
            state.queuedBytes = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: CancellationError())
        cancelCall()
    }
}
