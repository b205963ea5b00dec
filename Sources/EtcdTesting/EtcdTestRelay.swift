import Foundation
import Synchronization
import _EtcdTransport

/// A TCP relay on loopback between a client and one etcd member (or between members), for faults that are not a
/// dead process: it passes traffic, stalls it, drops it, delays it, resets connections in the middle of a
/// stream, or cuts them.
///
/// Point the client at ``port`` (``EtcdTestCluster/configuration(through:)`` does) and change ``set(_:)`` while
/// the test runs:
///
/// ```swift
/// let relay = try EtcdTestRelay(targetPort: cluster.members[0].clientPort)
/// defer { relay.stop() }
/// relay.set(.stall)          // the member seems to hang: connections open, nothing answers
/// relay.set(.pass)
/// ```
public final class EtcdTestRelay: Sendable {
    /// What the relay does with traffic.
    public enum Mode: Sendable, Equatable {
        /// Forward bytes both ways.
        case pass
        /// Keep connections open but read and forward nothing, like a paused peer or a black hole: what the
        /// sender writes waits in its socket buffers.
        case stall
        /// Keep connections open and read everything, but forward nothing: the sender's writes succeed and are
        /// lost, like a network that silently drops packets. A byte stream cannot skip bytes, so when the mode
        /// changes, every connection that lost bytes is reset, as TCP would end it after its retransmissions failed.
        case drop
        /// Forward bytes both ways, each read held back for the duration, in order, like a slow link.
        case delay(Duration)
        /// Forward bytes until a connection has carried `afterBytes` more bytes (both ways together) since the mode
        /// was set, then reset it (TCP RST to both ends): a connection that breaks in the middle of a message.
        /// With 0, every connection is reset at once, and new ones as soon as they are accepted.
        case reset(afterBytes: Int)
        /// Close every connection, and close new ones as soon as they are accepted.
        case cut
        /// Forward bytes both ways, except on connections whose client sent `marker` within its first
        /// ``openingLength`` bytes: those are closed (at once, or as soon as the marker arrives). A cut for one
        /// dialer only, such as an etcd member, which names itself in the `X-Server-From` header of its peer
        /// requests.
        case cutConnections(sending: [UInt8])
    }

    /// How many of a connection's first client bytes ``Mode/cutConnections(sending:)`` looks at.
    public static let openingLength = 4_096

    /// The port clients connect to, on 127.0.0.1.
    public let port: Int
    private let targetPort: Int
    private let listener: Int32
    private let state = LockedValue(State())
    private let finished = Atomic<Bool>(false)

    /// One relayed connection.
    private struct Pair {
        var client: Int32
        var server: Int32
        /// The client's first bytes, up to ``EtcdTestRelay/openingLength``.
        var opening: [UInt8] = []
        /// Bytes forwarded both ways since the mode was last set.
        var carried = 0
        /// Whether the relay swallowed bytes of this connection (``Mode/drop``, or what ``Mode/reset(afterBytes:)``
        /// did not forward). Such a connection never forwards again: the relay resets it, at the latest when the
        /// mode is no longer ``Mode/drop``.
        var lost = false

        func sent(_ mode: Mode) -> Bool {
            guard case .cutConnections(let marker) = mode else { return false }
            return opening.firstRange(of: marker) != nil
        }

        /// Whether the relay resets this connection now.
        func due(for mode: Mode) -> Bool {
            switch mode {
            case .reset(let limit): lost || carried >= limit
            case .drop: false
            default: lost
            }
        }
    }

    /// Bytes read from one side of a pair and not yet written to the other.
    private struct Chunk {
        var due: ContinuousClock.Instant
        var destination: Int32
        var bytes: [UInt8]
    }

    private struct State {
        var mode = Mode.pass
        var pairs: [Pair] = []
        var stopped = false
    }

    /// Starts relaying from a free loopback port to 127.0.0.1:`targetPort`, in ``Mode/pass``.
    ///
    /// - Throws: ``EtcdTestingError`` when no port can be bound.
    public init(targetPort: Int) throws {
        self.targetPort = targetPort
        (listener, port) = try EtcdTestListener.open(backlog: 64)
        Thread.detachNewThread { [self] in
            run()
            finished.store(true, ordering: .releasing)
        }
    }

    /// Changes what the relay does. ``Mode/cut`` shuts every open connection down at once (the relay's thread
    /// closes them); ``Mode/reset(afterBytes:)`` counts from now.
    public func set(_ mode: Mode) {
        state.withLock { state in
            state.mode = mode
            for index in state.pairs.indices {
                state.pairs[index].carried = 0
                let pair = state.pairs[index]
                if mode == .cut || pair.sent(mode) {
                    shutdown(pair.client, Int32(SHUT_RDWR))
                    shutdown(pair.server, Int32(SHUT_RDWR))
                }
            }
        }
    }

    /// The number of connections being relayed.
    public var connectionCount: Int { state.withLock { $0.pairs.count } }

    /// Stops the relay and closes everything. Returns once the relay's thread has ended.
    public func stop() {
        set(.cut)
        state.withLock { $0.stopped = true }
        // The relay's thread closes the connections and returns within one poll interval.
        while !finished.load(ordering: .acquiring) { usleep(5_000) }
        close(listener)
    }

    private func connectToTarget() -> Int32? {
        guard let fd = EtcdTestConnection.open(port: targetPort) else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Closes `fd` with a TCP RST instead of a FIN.
    private static func reset(_ fd: Int32) {
        var abort = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }

    /// Writes all of `bytes` to `fd`; `false` when the connection broke.
    private static func write(_ bytes: ArraySlice<UInt8>, to fd: Int32) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + (offset - bytes.startIndex), bytes.endIndex - offset, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        // Per pair (by client descriptor), what waits to be written, in order.
        var queued: [Int32: [Chunk]] = [:]
        let clock = ContinuousClock()
        while true {
            let (mode, pairs, stopped, resetting) = state.withLock { state in
                if state.mode == .cut || state.stopped {
                    for pair in state.pairs {
                        close(pair.client)
                        close(pair.server)
                    }
                    state.pairs = []
                }
                let resetting = state.pairs.filter { $0.due(for: state.mode) }
                state.pairs.removeAll { $0.due(for: state.mode) }
                return (state.mode, state.pairs, state.stopped, resetting)
            }
            if stopped { return }
            for pair in resetting {
                Self.reset(pair.client)
                Self.reset(pair.server)
            }
            let live = Set(pairs.map(\.client))
            queued = queued.filter { live.contains($0.key) }
            var broken: Set<Int32> = []
            let now = clock.now
            for (client, chunks) in queued {
                var remaining = chunks[...]
                while let chunk = remaining.first, chunk.due <= now {
                    if !Self.write(chunk.bytes[...], to: chunk.destination) { broken.insert(client) }
                    remaining = remaining.dropFirst()
                }
                queued[client] = remaining.isEmpty ? nil : Array(remaining)
            }
            let reading = mode != .stall && mode != .cut
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            if reading {
                for pair in pairs {
                    fds.append(pollfd(fd: pair.client, events: Int16(POLLIN), revents: 0))
                    fds.append(pollfd(fd: pair.server, events: Int16(POLLIN), revents: 0))
                }
            }
            // A closure, not the key path `\.first?.due`: projecting that key path makes the Swift 6.3.1 runtime call
            // memcpy on overlapping ranges, which AddressSanitizer reports.
            let nextDue = queued.values.compactMap { $0.first?.due }.min()
            let wait = nextDue.map { max(0, min(20, ($0 - clock.now) / .milliseconds(1))) } ?? 20
            if poll(&fds, nfds_t(fds.count), Int32(wait.rounded(.up))) > 0 {
                if fds[0].revents & Int16(POLLIN) != 0 { accept() }
                if reading {
                    relay(fds, pairs: pairs, buffer: &buffer, queued: &queued, broken: &broken, now: clock.now)
                }
            }
            if !broken.isEmpty {
                let closing = state.withLock { state -> [Pair] in
                    let closing = state.pairs.filter { broken.contains($0.client) }
                    state.pairs.removeAll { broken.contains($0.client) }
                    return closing
                }
                for pair in closing {
                    close(pair.client)
                    close(pair.server)
                    queued[pair.client] = nil
                }
            }
        }
    }

    /// Accepts one connection and connects it to the target, unless the mode (now, not at the top of this round:
    /// a connection made right after `set(.pass)` must pass) refuses new connections.
    private func accept() {
        let client = Glibc.accept(listener, nil, nil)
        guard client >= 0 else { return }
        switch state.withLock({ $0.mode }) {
        case .cut:
            close(client)
        case .reset(afterBytes: 0):
            Self.reset(client)
        default:
            guard let server = connectToTarget() else {
                close(client)
                return
            }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            state.withLock { $0.pairs.append(Pair(client: client, server: server)) }
        }
    }

    /// Reads what `poll` found readable and passes it on as the mode says.
    private func relay(
        _ fds: [pollfd],
        pairs: [Pair],
        buffer: inout [UInt8],
        queued: inout [Int32: [Chunk]],
        broken: inout Set<Int32>,
        now: ContinuousClock.Instant
    ) {
        for (index, descriptor) in fds.enumerated().dropFirst() where descriptor.revents != 0 {
            let pair = pairs[(index - 1) / 2]
            guard !broken.contains(pair.client) else { continue }
            let fromClient = index % 2 == 1
            let (from, to) = fromClient ? (pair.client, pair.server) : (pair.server, pair.client)
            let count = recv(from, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else {
                if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { broken.insert(pair.client) }
                continue
            }
            // How much of what was read goes on (all of it, none when dropping or refused, or what a reset leaves),
            // and after how long, by the mode now: a `set` while `poll` waited applies to these bytes.
            let (allowed, delay) = state.withLock { state -> (Int, Duration) in
                guard let position = state.pairs.firstIndex(where: { $0.client == pair.client }) else {
                    return (0, .zero)
                }
                if fromClient && state.pairs[position].opening.count < Self.openingLength {
                    let room = Self.openingLength - state.pairs[position].opening.count
                    state.pairs[position].opening += buffer.prefix(min(room, count))
                    if state.pairs[position].sent(state.mode) { return (-1, .zero) }
                }
                // A connection that lost bytes must not carry on with a hole in its stream.
                guard !state.pairs[position].lost else { return (0, .zero) }
                var allowed = count
                var delay = Duration.zero
                switch state.mode {
                case .drop: allowed = 0
                case .reset(let limit): allowed = min(count, max(0, limit - state.pairs[position].carried))
                case .delay(let duration): delay = duration
                default: break
                }
                if allowed < count { state.pairs[position].lost = true }
                state.pairs[position].carried += allowed
                return (allowed, delay)
            }
            if allowed < 0 {
                broken.insert(pair.client)
                continue
            }
            guard allowed > 0 else { continue }
            let bytes = Array(buffer[0..<allowed])
            if delay > .zero || queued[pair.client] != nil {
                queued[pair.client, default: []].append(Chunk(due: now + delay, destination: to, bytes: bytes))
            } else if !Self.write(bytes[...], to: to) {
                broken.insert(pair.client)
            }
        }
    }
}
