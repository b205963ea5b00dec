import Foundation
import Synchronization

/// A TCP relay on loopback between a client and one etcd member, for faults that are not a dead process:
/// it can pass traffic, stall it (connections stay open, nothing moves), or cut it (every connection is
/// closed and new ones are closed at once).
package final class EtcdTestRelay: Sendable {
    /// What the relay does with traffic.
    package enum Mode: Sendable, Equatable {
        /// Forward bytes both ways.
        case pass
        /// Keep connections open but forward nothing, like a paused peer or a black hole.
        case stall
        /// Close every connection, and close new ones as soon as they are accepted.
        case cut
        /// Forward bytes both ways, except on connections whose client sent `marker` within its first
        /// ``openingLength`` bytes: those are closed (at once, or as soon as the marker arrives). A cut for one
        /// dialer only, such as an etcd member, which names itself in the `X-Server-From` header of its peer
        /// requests.
        case cutConnections(sending: [UInt8])
    }

    /// How many of a connection's first client bytes ``Mode/cutConnections(sending:)`` looks at.
    package static let openingLength = 4_096

    /// The port clients connect to.
    package let port: Int
    private let targetPort: Int
    private let listener: Int32
    private let state = Mutex(State())
    private let finished = Atomic<Bool>(false)

    /// One relayed connection.
    private struct Pair {
        var client: Int32
        var server: Int32
        /// The client's first bytes, up to ``EtcdTestRelay/openingLength``.
        var opening: [UInt8] = []

        func sent(_ mode: Mode) -> Bool {
            guard case .cutConnections(let marker) = mode else { return false }
            return opening.firstRange(of: marker) != nil
        }
    }

    private struct State {
        var mode = Mode.pass
        var pairs: [Pair] = []
        var stopped = false
    }

    /// Starts relaying from a free loopback port to 127.0.0.1:`targetPort`.
    package init(targetPort: Int) throws {
        self.targetPort = targetPort
        (listener, port) = try EtcdTestListener.open(backlog: 64)
        Thread.detachNewThread { [self] in
            run()
            finished.store(true, ordering: .releasing)
        }
    }

    /// Changes what the relay does; `cut` shuts every open connection down at once (the relay's thread
    /// closes them).
    package func set(_ mode: Mode) {
        state.withLock { state in
            state.mode = mode
            for pair in state.pairs where mode == .cut || pair.sent(mode) {
                shutdown(pair.client, Int32(SHUT_RDWR))
                shutdown(pair.server, Int32(SHUT_RDWR))
            }
        }
    }

    /// The number of connections being relayed.
    package var connectionCount: Int { state.withLock { $0.pairs.count } }

    /// Stops the relay and closes everything.
    package func stop() {
        set(.cut)
        state.withLock { $0.stopped = true }
        // The relay's thread closes the connections and returns within one poll interval.
        while !finished.load(ordering: .acquiring) { usleep(5_000) }
        close(listener)
    }

    private func connectToTarget() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(targetPort).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        if !connected {
            close(fd)
            return nil
        }
        return fd
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let (mode, pairs, stopped) = state.withLock { state in
                if state.mode == .cut || state.stopped {
                    for pair in state.pairs {
                        close(pair.client)
                        close(pair.server)
                    }
                    state.pairs = []
                }
                return (state.mode, state.pairs, state.stopped)
            }
            if stopped { return }
            let forwarding = mode != .stall && mode != .cut
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            if forwarding {
                for pair in pairs {
                    fds.append(pollfd(fd: pair.client, events: Int16(POLLIN), revents: 0))
                    fds.append(pollfd(fd: pair.server, events: Int16(POLLIN), revents: 0))
                }
            }
            guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let client = accept(listener, nil, nil)
                if client >= 0 {
                    // The mode now, not at the top of this round: a connection made right after `set(.pass)`
                    // must pass.
                    if state.withLock({ $0.mode }) == .cut {
                        close(client)
                    } else if let server = connectToTarget() {
                        var one: Int32 = 1
                        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        setsockopt(server, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        state.withLock { $0.pairs.append(Pair(client: client, server: server)) }
                    } else {
                        close(client)
                    }
                }
            }
            guard forwarding else { continue }
            var broken: Set<Int32> = []
            for (index, descriptor) in fds.enumerated().dropFirst() where descriptor.revents != 0 {
                let pair = pairs[(index - 1) / 2]
                let fromClient = index % 2 == 1
                let (from, to) = fromClient ? (pair.client, pair.server) : (pair.server, pair.client)
                let count = recv(from, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count > 0 && fromClient && pair.opening.count < Self.openingLength {
                    let refused = state.withLock { state -> Bool in
                        guard let position = state.pairs.firstIndex(where: { $0.client == pair.client }) else {
                            return true
                        }
                        let room = Self.openingLength - state.pairs[position].opening.count
                        state.pairs[position].opening += buffer.prefix(min(room, count))
                        return state.pairs[position].sent(state.mode)
                    }
                    if refused {
                        broken.insert(pair.client)
                        continue
                    }
                }
                if count > 0 {
                    var offset = 0
                    while offset < count {
                        let written = buffer.withUnsafeBytes {
                            send(to, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL))
                        }
                        if written <= 0 { break }
                        offset += written
                    }
                    if offset < count { broken.insert(pair.client) }
                } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    broken.insert(pair.client)
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
                }
            }
        }
    }
}
