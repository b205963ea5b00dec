import CNGHTTP2
import Glibc

/// The I/O thread of one ``HTTP2Connection``: owns the socket and the nghttp2 session.
///
/// Invariant that makes `@unchecked Sendable` sound: the object is created by the connection, handed
/// once to the new thread, and from then on used only by that thread (nghttp2 calls back on it too).
final class HTTP2IOLoop: @unchecked Sendable {
    private let connection: HTTP2Connection
    private let configuration: HTTP2ConnectionConfiguration
    private let endpoint: String
    private var socket: (any ByteStream)?
    private var session: OpaquePointer?
    private var callsByID: [UInt64: GRPCCall] = [:]
    private var callsByStream: [Int32: GRPCCall] = [:]
    private var pendingOutput: [UInt8] = []
    private var pendingOutputOffset = 0
    /// The timers, liveness checks and hold rule (see ``HTTP2ConnectionPolicy``).
    private var policy: HTTP2ConnectionPolicy
    /// Commands held back until the server's SETTINGS.
    private var heldCommands: [HTTP2Connection.Command] = []
    /// Why the connection takes no new calls, once it does not.
    private var goingAwayReason: String?
    /// Whether the client asked this connection to finish its calls and end.
    private var draining = false
    private var failure: GRPCConnectionError?
    private var lastSessionError = ""
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)

    init(connection: HTTP2Connection) {
        self.connection = connection
        self.configuration = connection.configuration
        self.endpoint = connection.configuration.authority
        self.policy = HTTP2ConnectionPolicy(settings: HTTP2ConnectionPolicy.Settings(connection.configuration))
    }

    deinit {
        readBuffer.deallocate()
    }

    // MARK: - Thread body

    /// Connects, serves calls until the connection closes or fails, then releases everything.
    func run() {
        Self.nameCurrentThread("etcd-io")
        Self.blockBrokenPipeSignal()
        switch connect() {
        case .success(let socket):
            self.socket = socket
            if startSession() { serve() }
        case .failure(let error):
            fail(error)
        }
        if failure == nil {
            fail(GRPCConnectionError(endpoint: endpoint, reason: .closed, detail: "closed", requestNotSent: true))
        }
        if let session { nghttp2_session_del(session) }
        session = nil
        socket?.close()
        socket = nil
        let waiters = connection.shared.withLock { state in
            state.terminated = true
            defer { state.terminationWaiters = [] }
            return state.terminationWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Connects the socket and, with TLS configured, runs the handshake, all within the connect timeout.
    private func connect() -> Result<any ByteStream, GRPCConnectionError> {
        let now = MonotonicClock.now()
        let deadline = now + configuration.connectTimeout.nanoseconds
        policy.connecting(now: now)
        let shouldAbort = { [connection] in connection.shared.withLock { $0.closeRequested } }
        let connected = TCPSocket.connect(
            configuration,
            deadline: deadline,
            wakeDescriptor: connection.wakeDescriptor,
            shouldAbort: shouldAbort
        )
        guard let tls = configuration.tls, case .success(let socket) = connected else {
            return connected.map { $0 }
        }
        return TLSStream.handshake(
            on: socket,
            context: tls,
            host: configuration.host,
            endpoint: endpoint,
            deadline: deadline,
            wakeDescriptor: connection.wakeDescriptor,
            shouldAbort: shouldAbort
        ).map { $0 }
    }

    /// Blocks SIGPIPE on this thread: OpenSSL writes with `write`, which raises SIGPIPE (and by default ends
    /// the process) when the server has closed the connection. Blocked, the write fails with `EPIPE` instead,
    /// and the signal is discarded with the thread. Plain sockets use `send(MSG_NOSIGNAL)` anyway.
    private static func blockBrokenPipeSignal() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Names the calling thread, so that `top -H`, `/proc` and debuggers show what it is.
    private static func nameCurrentThread(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = Array(name.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        Glibc.close(descriptor)
    }

    private func serve() {
        while failure == nil {
            if !processInbox() { break }
            let now = MonotonicClock.now()
            checkTimers(now: now)
            flush()
            if failure != nil { break }
            if let goingAwayReason, callsByID.isEmpty {
                fail(
                    GRPCConnectionError(
                        endpoint: endpoint,
                        reason: .goingAway,
                        detail: goingAwayReason,
                        requestNotSent: true
                    )
                )
                break
            }
            if let session, nghttp2_session_want_read(session) == 0, nghttp2_session_want_write(session) == 0,
                pendingOutputOffset == pendingOutput.count
            {
                let detail = lastSessionError.isEmpty ? "the HTTP/2 session ended" : lastSessionError
                fail(protocolFailure("invalid HTTP/2 from the server: \(detail)"))
                break
            }
            guard let socket else { break }
            var fds = [
                pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: connection.wakeDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            // Output waits for a writable socket, unless TLS must read first (then readable wakes the loop).
            if (pendingOutputOffset < pendingOutput.count && !socket.needsReadableToWrite) || socket.needsWritableToRead
            {
                fds[0].events |= Int16(POLLOUT)
            }
            let ready = poll(&fds, 2, pollTimeout(now: MonotonicClock.now()))
            if ready < 0 {
                if errno == EINTR { continue }
                fail(
                    GRPCConnectionError(
                        endpoint: endpoint,
                        reason: .connectionLost,
                        detail: errnoText(),
                        requestNotSent: false
                    )
                )
                break
            }
            if fds[1].revents != 0 {
                DescriptorWait.emptyWakePipe(connection.wakeDescriptor)
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0
                || (socket.needsWritableToRead && fds[0].revents & Int16(POLLOUT) != 0)
            {
                receive()
            }
        }
    }

    private func pollTimeout(now: Int64) -> Int32 {
        guard let next = policy.nextWake else { return -1 }
        let milliseconds = (next - now + 999_999) / 1_000_000
        return Int32(clamping: max(0, milliseconds))
    }

    // MARK: - Session setup

    private func startSession() -> Bool {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            fail(protocolFailure("nghttp2 could not allocate callbacks"))
            return false
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _,
            frame,
            name,
            nameLength,
            value,
            valueLength,
            _,
            user in
            guard let frame, let name, let value, let user else { return 0 }
            let loop = Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue()
            loop.received(
                header: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength),
                streamID: frame.pointee.hd.stream_id
            )
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, user in
            guard let data, let user else { return 0 }
            let loop = Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue()
            loop.received(data: UnsafeRawBufferPointer(start: data, count: length), streamID: streamID)
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, user in
            guard let user else { return 0 }
            Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue().closed(
                streamID: streamID,
                errorCode: errorCode
            )
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            guard let frame, let user else { return 0 }
            Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue().received(frame: frame)
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, user in
            guard let frame, let user else { return 0 }
            if frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) {
                Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue().sentHeaders(
                    streamID: frame.pointee.hd.stream_id
                )
            }
            return 0
        }
        nghttp2_session_callbacks_set_error_callback2(callbacks) { _, _, message, length, user in
            guard let message, let user else { return 0 }
            let text = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
            Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue().lastSessionError = text
            return 0
        }
        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            fail(protocolFailure("nghttp2 could not allocate options"))
            return false
        }
        defer { nghttp2_option_del(option) }
        // Received bytes go back to the windows when taken (see `received(data:streamID:)`), not on arrival.
        nghttp2_option_set_no_auto_window_update(option, 1)
        var newSession: OpaquePointer?
        let user = Unmanaged.passUnretained(self).toOpaque()
        guard nghttp2_session_client_new2(&newSession, callbacks, user, option) == 0, let newSession else {
            fail(protocolFailure("nghttp2 could not create a session"))
            return false
        }
        session = newSession
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                value: UInt32(clamping: configuration.streamWindowSize)
            ),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: 1 << 20),
        ]
        nghttp2_submit_settings(newSession, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        nghttp2_session_set_local_window_size(
            newSession,
            UInt8(NGHTTP2_FLAG_NONE.rawValue),
            0,
            Int32(clamping: configuration.connectionWindowSize)
        )
        return true
    }

    // MARK: - Commands from callers

    /// Takes every queued command. Returns `false` when the connection is to close.
    ///
    /// Until the server's SETTINGS frame has arrived, calls are held back rather than started: a connection the
    /// server drops or garbles before that (a TLS server refusing the client certificate resets it) then
    /// certainly carried no request, so even a write can go to the next endpoint. It costs the first call on a
    /// new connection the time until the server's SETTINGS arrive.
    private func processInbox() -> Bool {
        var (commands, closeRequested, closeReason, drainRequested) = connection.shared.withLock { state in
            state.wakeupPending = false
            defer { state.inbox.removeAll(keepingCapacity: true) }
            return (state.inbox, state.closeRequested, state.closeReason, state.drainRequested)
        }
        if drainRequested && !draining {
            // The client moved to another endpoint: no new calls; end once the open ones have.
            draining = true
            goingAwayReason = goingAwayReason ?? "the client moved to another endpoint"
        }
        if policy.holdsCalls {
            hold(commands)
            commands = []
        } else if !heldCommands.isEmpty {
            commands = heldCommands + commands
            heldCommands = []
        }
        for command in commands {
            switch command {
            case .start(let call): start(call)
            case .send(let id, let message, let end): send(message, end: end, callID: id)
            case .cancel(let id): cancel(callID: id)
            case .windowOpened(let id): returnWindow(callID: id)
            }
        }
        if closeRequested {
            if let session { nghttp2_session_terminate_session(session, UInt32(NGHTTP2_NO_ERROR.rawValue)) }
            flush()
            fail(
                GRPCConnectionError(
                    endpoint: endpoint,
                    reason: closeReason,
                    detail: closeReason == .retired
                        ? "the call outlived the connection's grace period" : "the client closed the connection",
                    requestNotSent: false
                )
            )
            return false
        }
        return true
    }

    /// Keeps `commands` for when the server has spoken; a cancel of a held call ends it at once, and held
    /// calls' deadlines are kept (see ``checkTimers(now:)``).
    private func hold(_ commands: [HTTP2Connection.Command]) {
        for command in commands {
            switch command {
            case .start(let call):
                policy.callQueued(
                    call.id,
                    kind: call.kind,
                    deadline: call.deadline,
                    timeout: call.head.timeout?.nanoseconds,
                    held: true
                )
                heldCommands.append(command)
            case .cancel(let id):
                if let call = dropHeld(callID: id) {
                    policy.callEnded(id)
                    call.finish(throwing: CancellationError())
                } else {
                    heldCommands.append(command)
                }
            case .send, .windowOpened:
                heldCommands.append(command)
            }
        }
    }

    /// Removes a held call and its held messages.
    ///
    /// - Returns: the call, if it was held.
    @discardableResult
    private func dropHeld(callID: UInt64) -> GRPCCall? {
        var dropped: GRPCCall?
        heldCommands.removeAll {
            switch $0 {
            case .start(let call):
                guard call.id == callID else { return false }
                dropped = call
                return true
            case .send(let id, _, _), .cancel(let id), .windowOpened(let id):
                return id == callID
            }
        }
        return dropped
    }

    private func start(_ call: GRPCCall) {
        // A cancel that came before the start (its command may be anywhere in the inbox, or already handled)
        // is carried on the call itself.
        if call.cancellation.isCancelled {
            policy.callEnded(call.id)
            call.finish(throwing: CancellationError())
            return
        }
        guard let session, goingAwayReason == nil else {
            policy.callEnded(call.id)
            call.finish(
                throwing: GRPCConnectionError(
                    endpoint: endpoint,
                    reason: .goingAway,
                    detail: goingAwayReason ?? "the session ended",
                    requestNotSent: true
                )
            )
            return
        }
        var headers: [(String, String)] = [
            (":method", "POST"), (":scheme", configuration.tls == nil ? "http" : "https"), (":path", call.head.path),
            (":authority", endpoint),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "swift-etcd/0.1"),
        ]
        if let timeout = call.head.timeout { headers.append(("grpc-timeout", GRPCTimeout.headerValue(for: timeout))) }
        for (name, value) in call.head.metadata { headers.append((name, value)) }
        let streamID = Self.withHeaderVector(headers) { vector in
            var provider = nghttp2_data_provider(
                source: nghttp2_data_source(ptr: nil),
                read_callback: { _, streamID, buffer, length, flags, _, user in
                    guard let buffer, let flags, let user else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
                    let loop = Unmanaged<HTTP2IOLoop>.fromOpaque(user).takeUnretainedValue()
                    return loop.readOutbound(streamID: streamID, into: buffer, length: length, flags: flags)
                }
            )
            return nghttp2_submit_request(session, nil, vector.baseAddress, vector.count, &provider, nil)
        }
        guard streamID > 0 else {
            policy.callEnded(call.id)
            call.finish(
                throwing: GRPCConnectionError(
                    endpoint: endpoint,
                    reason: .goingAway,
                    detail: "no stream could be opened (nghttp2 error \(streamID))",
                    requestNotSent: true
                )
            )
            return
        }
        call.streamID = streamID
        callsByID[call.id] = call
        callsByStream[streamID] = call
        policy.callQueued(
            call.id,
            kind: call.kind,
            deadline: call.deadline,
            timeout: call.head.timeout?.nanoseconds,
            held: false
        )
    }

    private static func withHeaderVector<R>(
        _ headers: [(String, String)],
        _ body: (UnsafeMutableBufferPointer<nghttp2_nv>) -> R
    ) -> R {
        var storage: [UInt8] = []
        var ranges: [(Int, Int, Int, Int)] = []
        for (name, value) in headers {
            let nameStart = storage.count
            storage.append(contentsOf: name.utf8)
            let valueStart = storage.count
            storage.append(contentsOf: value.utf8)
            ranges.append((nameStart, valueStart - nameStart, valueStart, storage.count - valueStart))
        }
        return storage.withUnsafeMutableBufferPointer { bytes in
            let base = bytes.baseAddress ?? UnsafeMutablePointer<UInt8>.allocate(capacity: 0)
            var vector = ranges.map { range in
                nghttp2_nv(
                    name: base + range.0,
                    value: base + range.2,
                    namelen: range.1,
                    valuelen: range.3,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)
                )
            }
            return vector.withUnsafeMutableBufferPointer { body($0) }
        }
    }

    private func send(_ message: [UInt8], end: Bool, callID: UInt64) {
        guard let call = callsByID[callID], !call.finished, !call.outboundEnded else { return }
        if call.outboundOffset == call.outbound.count {
            call.outbound = message
            call.outboundOffset = 0
        } else {
            call.outbound.append(contentsOf: message)
        }
        if end { call.outboundEnded = true }
        if call.outboundDeferred, let session {
            call.outboundDeferred = false
            nghttp2_session_resume_data(session, call.streamID)
        }
    }

    private func cancel(callID: UInt64) {
        // A call not started yet sees its own cancellation when it starts.
        guard let call = callsByID[callID] else { return }
        guard !call.finished else { return }
        resetStream(call.streamID)
        policy.callEnded(callID)
        call.finish(throwing: CancellationError())
    }

    // MARK: - nghttp2 callbacks

    private func readOutbound(
        streamID: Int32,
        into buffer: UnsafeMutablePointer<UInt8>,
        length: Int,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard let call = callsByStream[streamID], !call.finished else {
            flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            return 0
        }
        let available = call.outbound.count - call.outboundOffset
        if available == 0 {
            if call.outboundEnded {
                flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
                return 0
            }
            call.outboundDeferred = true
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        let count = min(available, length)
        call.outbound.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                buffer.update(from: base + call.outboundOffset, count: count)
            }
        }
        call.outboundOffset += count
        if call.outboundOffset == call.outbound.count {
            call.outbound.removeAll(keepingCapacity: true)
            call.outboundOffset = 0
            if call.outboundEnded { flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue) }
        }
        return count
    }

    private func received(header name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, streamID: Int32) {
        guard let call = callsByStream[streamID] else { return }
        call.metadata.record(name: name, value: value)
    }

    /// Takes a chunk of a stream's DATA. The connection's window gets the bytes back at once (a slow consumer of
    /// one stream never stops the others), the stream's window as its consumer takes them (see
    /// ``GRPCCall/bytesToReturn()``).
    private func received(data: UnsafeRawBufferPointer, streamID: Int32) {
        guard let session else { return }
        nghttp2_session_consume_connection(session, data.count)
        guard let call = callsByStream[streamID], !call.finished else {
            nghttp2_session_consume_stream(session, streamID, data.count)
            return
        }
        call.receivedBytes += data.count
        defer { returnWindow(of: call) }
        call.deframer.append(data)
        do {
            while let message = try call.deframer.nextMessage() {
                call.deliver(message)
            }
        } catch .messageTooLarge(let length) {
            resetStream(streamID)
            call.finish(throwing: GRPCStatus.responseTooLarge(length, limit: call.deframer.maximumMessageSize))
        } catch {
            resetStream(streamID)
            call.finish(throwing: GRPCStatus(code: .internal, message: "malformed gRPC message framing: \(error)"))
        }
    }

    /// Gives the stream's window back what the call's consumer has taken.
    private func returnWindow(of call: GRPCCall) {
        guard let session, call.streamID > 0, !call.finished else { return }
        let count = call.bytesToReturn()
        if count > 0 { nghttp2_session_consume_stream(session, call.streamID, count) }
    }

    private func returnWindow(callID: UInt64) {
        guard let call = callsByID[callID] else { return }
        returnWindow(of: call)
    }

    private func closed(streamID: Int32, errorCode: UInt32) {
        guard let call = callsByStream.removeValue(forKey: streamID) else { return }
        callsByID[call.id] = nil
        policy.callEnded(call.id)
        call.finish(throwing: call.outcome(resetCode: errorCode, endpoint: endpoint))
    }

    private func received(frame: UnsafePointer<nghttp2_frame>) {
        switch frame.pointee.hd.type {
        case UInt8(NGHTTP2_GOAWAY.rawValue):
            stopTakingCalls("the server sent GOAWAY")
        case UInt8(NGHTTP2_PING.rawValue):
            if frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { policy.pingAcknowledged() }
        case UInt8(NGHTTP2_SETTINGS.rawValue):
            policy.serverSettingsReceived()
        default:
            break
        }
    }

    private func sentHeaders(streamID: Int32) {
        guard let call = callsByStream[streamID] else { return }
        call.headersSent = true
        policy.requestSent(call.id, now: MonotonicClock.now())
    }

    /// Resets a stream with CANCEL (the call was cancelled, expired or sent garbage).
    private func resetStream(_ streamID: Int32) {
        guard let session else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, UInt32(NGHTTP2_CANCEL.rawValue))
    }

    /// No new calls from now on; the connection ends once the open ones have.
    private func stopTakingCalls(_ reason: String) {
        guard goingAwayReason == nil else { return }
        goingAwayReason = reason
        connection.shared.withLock { state in
            if case .open = state.phase { state.phase = .goingAway(reason) }
        }
    }

    // MARK: - Socket I/O

    private func receive() {
        guard let socket, let session else { return }
        while failure == nil {
            switch socket.read(into: readBuffer) {
            case .bytes(let count):
                policy.received(now: MonotonicClock.now())
                let consumed = nghttp2_session_mem_recv(
                    session,
                    readBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    count
                )
                if consumed < 0 {
                    fail(
                        protocolFailure(
                            "invalid HTTP/2 from the server: \(String(cString: nghttp2_strerror(Int32(consumed))))"
                        )
                    )
                    return
                }
                if count < readBuffer.count && !socket.hasBufferedInput { return }
            case .wouldBlock:
                return
            case .endOfStream:
                fail(lostConnection(nil))
                return
            case .failed(let failure):
                fail(lostConnection(failure))
                return
            }
        }
    }

    /// Serializes every frame nghttp2 has ready and writes as much as the socket takes, in as few writes as possible.
    private func flush() {
        guard let session, let socket else { return }
        while pendingOutput.count - pendingOutputOffset < 4 << 20 {
            var chunk: UnsafePointer<UInt8>?
            let length = nghttp2_session_mem_send(session, &chunk)
            if length < 0 {
                fail(protocolFailure("nghttp2 could not send: \(String(cString: nghttp2_strerror(Int32(length))))"))
                return
            }
            guard length > 0, let chunk else { break }
            if pendingOutputOffset == pendingOutput.count {
                pendingOutput.removeAll(keepingCapacity: true)
                pendingOutputOffset = 0
            }
            pendingOutput.append(contentsOf: UnsafeBufferPointer(start: chunk, count: length))
        }
        while pendingOutputOffset < pendingOutput.count {
            let result = pendingOutput.withUnsafeBytes { bytes in
                socket.write(UnsafeRawBufferPointer(rebasing: bytes[pendingOutputOffset...]))
            }
            switch result {
            case .success(0):
                return
            case .success(let written):
                pendingOutputOffset += written
            case .failure(let failure):
                fail(lostConnection(failure))
                return
            }
        }
        if nghttp2_session_want_write(session) != 0 && pendingOutput.count - pendingOutputOffset < 4 << 20 {
            flush()
        }
    }

    // MARK: - Timers

    /// Carries out what the policy says is due: expiries, PINGs, a stop to new calls, a failure.
    private func checkTimers(now: Int64) {
        for action in policy.tick(now: now) {
            switch action {
            case .sendPing:
                if let session { nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil) }
            case .expire(let id, held: true, _):
                dropHeld(callID: id)?.finish(
                    throwing: GRPCStatus(
                        code: .deadlineExceeded,
                        message: "the call's deadline passed before the server answered the connection",
                        requestNotSent: true
                    )
                )
            case .expire(let id, held: false, let silent):
                guard let call = callsByID[id], !call.finished else { continue }
                resetStream(call.streamID)
                let message =
                    silent
                    ? "the call's deadline passed with nothing from the server since the request"
                    : "the call's deadline passed"
                call.finish(throwing: GRPCStatus(code: .deadlineExceeded, message: message))
            case .stopTakingCalls(let detail):
                stopTakingCalls(detail)
            case .fail(let reason, let detail, let requestNotSent):
                fail(
                    GRPCConnectionError(
                        endpoint: endpoint,
                        reason: reason,
                        detail: detail,
                        requestNotSent: requestNotSent
                    )
                )
                return
            }
        }
    }

    // MARK: - Failure

    /// The error for a failed read or write (see ``HTTP2ConnectionPolicy/lostConnection(endpoint:detail:isTLSFailure:usesTLS:)``).
    ///
    /// - Parameter failure: why the read or write failed; `nil` when the server closed the connection.
    private func lostConnection(_ failure: ByteStreamFailure?) -> GRPCConnectionError {
        policy.lostConnection(
            endpoint: endpoint,
            detail: failure?.detail,
            isTLSFailure: failure?.isTLS ?? false,
            usesTLS: configuration.tls != nil
        )
    }

    private func protocolFailure(_ detail: String) -> GRPCConnectionError {
        GRPCConnectionError(endpoint: endpoint, reason: .protocolError, detail: detail, requestNotSent: false)
    }

    /// Ends the connection: no new calls, every open call fails with `error`.
    private func fail(_ error: GRPCConnectionError) {
        guard failure == nil else { return }
        failure = error
        let queued = connection.shared.withLock { state in
            state.phase = .closed(error)
            defer { state.inbox = [] }
            return state.inbox
        }
        var notSent = error
        notSent.requestNotSent = true
        for command in heldCommands + queued {
            if case .start(let call) = command { call.finish(throwing: notSent) }
        }
        heldCommands = []
        for call in callsByID.values {
            var callError = error
            // A connection error that claims "not sent" only arises before any call started (connecting, or
            // before the server's SETTINGS while calls are held), so no call here has sent its headers then.
            callError.requestNotSent = error.requestNotSent || !call.headersSent
            call.finish(throwing: callError)
        }
        callsByID = [:]
        callsByStream = [:]
    }
}
