import Foundation

/// What this process holds that a client could leak, read from `/proc/self`: the clients' I/O threads (named
/// `etcd-io…`), sockets and pipes.
package struct EtcdTestResources: Equatable, Sendable, Codable, CustomStringConvertible {
    /// Threads whose name starts with `etcd-io`.
    package var ioThreads: Int
    /// Open socket descriptors.
    package var sockets: Int
    /// Open pipe descriptors.
    package var pipes: Int

    /// The counts now.
    package static func current() -> EtcdTestResources {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let ioThreads = tasks.filter { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.hasPrefix("etcd-io") == true
        }.count
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var sockets = 0
        var pipes = 0
        for descriptor in descriptors {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
            else { continue }
            if target.hasPrefix("socket:") { sockets += 1 }
            if target.hasPrefix("pipe:") { pipes += 1 }
        }
        return EtcdTestResources(ioThreads: ioThreads, sockets: sockets, pipes: pipes)
    }

    /// Waits up to `limit` for the counts that `measure` reads (``current()`` by default) to come back to
    /// `baseline` (the kernel may list a joined thread or a closed socket for a moment) and returns the last counts
    /// read.
    package static func settle(
        to baseline: EtcdTestResources,
        within limit: Duration = .seconds(5),
        measure: () -> EtcdTestResources = current
    ) async -> EtcdTestResources {
        let deadline = ContinuousClock.now + limit
        var counts = measure()
        while counts != baseline && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            counts = measure()
        }
        return counts
    }

    package var description: String { "\(ioThreads) I/O threads, \(sockets) sockets, \(pipes) pipes" }
}
