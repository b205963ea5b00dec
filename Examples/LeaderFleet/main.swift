// Leader election in a fleet of workers: three worker processes campaign; the leader does the work (a fenced write
// every 200 ms) while the others wait. The supervisor kills the leader with SIGKILL, as a crash would: its lease
// runs out after its TTL (2 s), the next worker in line is elected and takes over the work. SIGTERM makes a worker
// resign at once.
//
//     swift run etcd-leader-fleet [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
//     etcd-leader-fleet worker NAME HOST:PORT   (what the supervisor starts)
import Dispatch
import EtcdClientCore
import EtcdConcurrency
import EtcdExampleSupport
import Foundation

let electionName = "example/fleet/election"
let workKey: EtcdKey = "example/fleet/work"

/// A worker: campaigns, and while it leads, writes the work key under its leadership's fence.
func work(as name: String, address: String) async throws {
    try await withEtcdClient(configuration: Example.configuration(address: address, logsClient: false)) { etcd in
        try await etcd.withSession(ttl: .seconds(2)) { session in
            let election = EtcdElection(session: session, name: electionName)
            try await election.campaign(value: name) { leadership in
                // Unbuffered, so that a worker killed later has not lost the line.
                FileHandle.standardOutput.write(Data("\(name): elected\n".utf8))
                var beat = 0
                while true {
                    beat += 1
                    let write = try await etcd.txn(
                        if: [leadership.fence],
                        then: [.put(workKey, value: "\(name) #\(beat)")]
                    )
                    guard write.succeeded else { return }  // no longer the leader
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }
}

/// The value of the current leader's key, or nil when nobody leads.
func leader(_ etcd: EtcdClient) async throws -> String? {
    let candidates = try await etcd.get(
        .prefix(EtcdKey(electionName + "/")),
        limit: 1,
        sort: .ascending(by: .createRevision)
    )
    return candidates.keyValues.first?.stringValue
}

/// Waits until `condition` holds for the leader, polling every 100 ms, for at most `seconds`.
func waitForLeader(
    _ etcd: EtcdClient,
    seconds: Int,
    _ condition: @Sendable (String?) -> Bool
) async throws -> String? {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        let current = try await leader(etcd)
        if condition(current) { return current }
        try await Task.sleep(for: .milliseconds(100))
    }
    Example.fail("the leader did not change as expected within \(seconds) s")
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "worker" {
    // A worker ends cleanly on SIGTERM: cancelling its task resigns and revokes its session.
    signal(SIGTERM, SIG_IGN)
    let task = Task { try await work(as: arguments[2], address: arguments[3]) }
    let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .main)
    terminate.setEventHandler { task.cancel() }
    terminate.resume()
    do { try await task.value } catch is CancellationError {} catch { Example.fail("\(error)") }
    exit(0)
}

let address = arguments.dropFirst().first ?? ProcessInfo.processInfo.environment["ETCD_ENDPOINT"] ?? "127.0.0.1:2379"
do {
    try await withEtcdClient(configuration: Example.configuration(address: address)) { etcd in
        try await etcd.delete(.prefix("example/fleet/"))
        var workers: [String: Process] = [:]
        for name in ["worker-a", "worker-b", "worker-c"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = ["worker", name, address]
            try process.run()
            workers[name] = process
        }
        defer {
            for process in workers.values where process.isRunning { process.terminate() }
            for process in workers.values { process.waitUntilExit() }
        }
        let first = try await waitForLeader(etcd, seconds: 10) { $0 != nil }!
        try await Task.sleep(for: .milliseconds(500))
        print("supervisor: \(first) leads; work is \(try await etcd.get(workKey)?.stringValue ?? "-")")

        kill(workers[first]!.processIdentifier, SIGKILL)
        workers[first]!.waitUntilExit()
        print("supervisor: killed \(first); its lease expires within 2 s")
        let next = try await waitForLeader(etcd, seconds: 10) { $0 != nil && $0 != first }!
        try await Task.sleep(for: .milliseconds(500))
        let work = try await etcd.get(workKey)?.stringValue ?? "-"
        print("supervisor: \(next) took over; work is \(work)")
        guard work.hasPrefix(next) else { Example.fail("the new leader is not doing the work") }
    }
} catch {
    Example.fail("\(error)")
}
