import Glibc

/// A non-blocking TCP socket, owned by one connection's I/O thread.
struct TCPSocket: ByteStream {
    /// The file descriptor.
    let descriptor: Int32

    /// The kernel holds unread bytes, never the socket itself.
    var hasBufferedInput: Bool { false }

    /// Plain TCP reads never need to write.
    var needsWritableToRead: Bool { false }

    /// Plain TCP writes never need to read.
    var needsReadableToWrite: Bool { false }

    /// Resolves the configured host and connects to the first address that answers before `deadline`
    /// (monotonic nanoseconds).
    ///
    /// While waiting it also watches `wakeDescriptor`, and gives up early when `shouldAbort` says so.
    static func connect(
        _ configuration: HTTP2ConnectionConfiguration,
        deadline: Int64,
        wakeDescriptor: Int32,
        shouldAbort: () -> Bool
    ) -> Result<TCPSocket, GRPCConnectionError> {
        let (host, port) = (configuration.host, configuration.port)
        func failure(_ reason: GRPCConnectionError.Reason, _ detail: String) -> Result<TCPSocket, GRPCConnectionError> {
            .failure(
                GRPCConnectionError(
                    endpoint: configuration.authority,
                    reason: reason,
                    detail: detail,
                    requestNotSent: true
                )
            )
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return failure(.resolutionFailed, String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }

        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(
                info.pointee.ai_family,
                info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                info.pointee.ai_protocol
            )
            guard fd >= 0 else {
                lastError = errnoText()
                continue
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                return .success(TCPSocket(descriptor: fd))
            }
            guard errno == EINPROGRESS else {
                lastError = errnoText()
                Glibc.close(fd)
                continue
            }
            switch DescriptorWait.until(
                fd,
                is: POLLOUT,
                deadline: deadline,
                wakeDescriptor: wakeDescriptor,
                shouldAbort: shouldAbort
            ) {
            case .ready:
                var socketError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
                if socketError == 0 { return .success(TCPSocket(descriptor: fd)) }
                lastError = String(cString: strerror(socketError))
            case .aborted:
                Glibc.close(fd)
                return failure(.closed, "closed while connecting")
            case .timedOut:
                Glibc.close(fd)
                return failure(.connectFailed, "connect timed out")
            case .failed(let detail):
                lastError = detail
            }
            Glibc.close(fd)
        }
        return failure(.connectFailed, lastError)
    }

    /// Reads into `buffer` without blocking.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ByteStreamReadResult {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(ByteStreamFailure(detail: errnoText()))
            }
        }
    }

    /// Writes as much of `bytes` as the socket takes without blocking.
    ///
    /// - Returns: the number of bytes written, or the `errno` text of a failed write.
    func write(_ bytes: UnsafeRawBufferPointer) -> Result<Int, ByteStreamFailure> {
        while true {
            let count = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .success(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .success(0)
            default: return .failure(ByteStreamFailure(detail: errnoText()))
            }
        }
    }

    /// Closes the descriptor.
    func close() {
        _ = Glibc.close(descriptor)
    }
}

/// Waiting, before the session starts, for a descriptor to become ready: while connecting and during the TLS
/// handshake.
enum DescriptorWait {
    /// How a wait ended.
    enum Outcome {
        /// The descriptor is ready (or has an error to collect).
        case ready
        /// The deadline passed.
        case timedOut
        /// `shouldAbort` said to give up (the connection is closing).
        case aborted
        /// `poll` failed.
        case failed(String)
    }

    /// Reads everything waiting in the wake-up pipe.
    static func emptyWakePipe(_ descriptor: Int32) {
        var drain = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while read(descriptor, &drain, 32) == 32 {}
    }

    /// Waits until `descriptor` has `events` (`POLLIN`, `POLLOUT`), the `deadline` (monotonic nanoseconds)
    /// passes, or `shouldAbort` says so after `wakeDescriptor` is readable (which it empties).
    static func until(
        _ descriptor: Int32,
        is events: Int32,
        deadline: Int64,
        wakeDescriptor: Int32,
        shouldAbort: () -> Bool
    ) -> Outcome {
        while true {
            if shouldAbort() { return .aborted }
            let remaining = deadline - MonotonicClock.now()
            if remaining <= 0 { return .timedOut }
            var fds = [
                pollfd(fd: descriptor, events: Int16(events), revents: 0),
                pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, Int32(clamping: (remaining + 999_999) / 1_000_000))
            if ready < 0 && errno != EINTR { return .failed(errnoText()) }
            if fds[0].revents != 0 { return .ready }
            if fds[1].revents != 0 {
                // A caller queued a call or asked to close: empty the pipe so the next poll sleeps again (the
                // inbox keeps the calls; `shouldAbort` sees a close on the next pass).
                emptyWakePipe(wakeDescriptor)
            }
        }
    }
}

/// The text of the current `errno`.
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// Monotonic time in nanoseconds, for the I/O loop's timers.
enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
