import Glibc

/// A non-blocking TCP socket, owned by one connection's I/O thread.
struct TCPSocket {
    /// The file descriptor.
    let descriptor: Int32

    /// The result of a non-blocking read.
    enum ReadResult {
        case bytes(Int)
        case wouldBlock
        case endOfStream
        case failed(Int32)
    }

    /// Resolves the configured host and connects to the first address that answers within the connect timeout.
    ///
    /// While waiting it also watches `wakeDescriptor`, and gives up early when `shouldAbort` says so.
    static func connect(
        _ configuration: HTTP2ConnectionConfiguration,
        wakeDescriptor: Int32,
        shouldAbort: () -> Bool
    ) -> Result<TCPSocket, GRPCConnectionError> {
        let (host, port, timeout) = (configuration.host, configuration.port, configuration.connectTimeout)
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

        let deadline = MonotonicClock.now() + timeout.nanoseconds
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
            while true {
                if shouldAbort() {
                    Glibc.close(fd)
                    return failure(.closed, "closed while connecting")
                }
                let remaining = deadline - MonotonicClock.now()
                if remaining <= 0 {
                    Glibc.close(fd)
                    return failure(.connectFailed, "connect timed out")
                }
                var fds = [
                    pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
                    pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&fds, 2, Int32(clamping: (remaining + 999_999) / 1_000_000))
                if ready < 0 && errno != EINTR {
                    lastError = errnoText()
                    break
                }
                if fds[0].revents != 0 {
                    var socketError: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
                    if socketError == 0 { return .success(TCPSocket(descriptor: fd)) }
                    lastError = String(cString: strerror(socketError))
                    break
                }
            }
            Glibc.close(fd)
        }
        return failure(.connectFailed, lastError)
    }

    /// Reads into `buffer` without blocking.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    /// Writes as much of `bytes` as the socket takes without blocking.
    ///
    /// - Returns: the number of bytes written, or the `errno` of a failed write.
    func write(_ bytes: UnsafeRawBufferPointer) -> Result<Int, SocketErrno> {
        while true {
            let count = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .success(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .success(0)
            default: return .failure(SocketErrno(code: errno))
            }
        }
    }

    /// Closes the descriptor.
    func close() {
        _ = Glibc.close(descriptor)
    }
}

/// An `errno` value from a failed socket call.
struct SocketErrno: Error {
    /// The `errno` value.
    var code: Int32
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
