import EtcdClientCore
import EtcdConcurrency
import Synchronization
import _EtcdTransport

/// Counts what the load did: operations and failures.
final class SoakCounters: Sendable {
    private let operations = Atomic<Int>(0)
    private let failures = LockedValue<[String]>([])

    /// Operations completed.
    var completed: Int { operations.load(ordering: .relaxed) }

    /// The failures seen, in order.
    var errors: [String] { failures.withLock { $0 } }

    /// Counts one completed operation.
    func count() { operations.add(1, ordering: .relaxed) }

    /// Records a failure (an error or a broken invariant).
    func fail(_ description: String) { failures.withLock { $0.append(description) } }
}

/// The mixed load: writers, readers, compare-and-swap transactions, a watcher over the prefix, a lease kept alive
/// with a key attached, two mutex contenders, and a compactor. Each part runs until the task is cancelled.
struct SoakLoad {
    let client: EtcdClient
    let prefix: String
    let counters: SoakCounters

    private func key(_ name: String) -> EtcdKey { EtcdKey(prefix + name) }

    /// Runs every part until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for writer in 0..<4 { group.addTask { await loop { try await write(seed: writer) } } }
            for _ in 0..<2 { group.addTask { await loop { try await read() } } }
            group.addTask { await loop { try await compareAndSwap() } }
            group.addTask { await watch() }
            group.addTask { await holdLease() }
            for _ in 0..<2 { group.addTask { await contend() } }
            group.addTask { await compact() }
        }
    }

    /// Repeats `step` until cancelled, counting each success and recording each failure.
    private func loop(_ step: () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await step()
                counters.count()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                counters.fail("\(error)")
            }
        }
    }

    private func write(seed: Int) async throws {
        try await client.put(key("k\(Int.random(in: 0..<1_000))"), value: [UInt8](repeating: UInt8(seed), count: 100))
    }

    private func read() async throws {
        _ = try await client.get(key("k\(Int.random(in: 0..<1_000))"))
    }

    private func compareAndSwap() async throws {
        let current = try await client.get(key("counter"))
        let value = Int(current?.stringValue ?? "0") ?? 0
        _ = try await client.txn(
            if: [.modRevision(key("counter"), .equal, current?.modRevision ?? 0)],
            then: [.put(key("counter"), value: String(value + 1))]
        )
    }

    /// Watches the prefix: revisions must only grow.
    private func watch() async {
        do {
            try await client.watch(.prefix(key(""))) { responses in
                var last: Int64 = 0
                for try await response in responses {
                    for event in response.events {
                        if event.revision < last { counters.fail("watch: revision \(event.revision) after \(last)") }
                        last = event.revision
                    }
                    counters.count()
                }
            }
        } catch is CancellationError {
        } catch {
            if !Task.isCancelled { counters.fail("watch ended: \(error)") }
        }
    }

    /// Keeps a 5-second lease alive with a key attached for the whole run; the key must still be there at the end.
    private func holdLease() async {
        do {
            let lease = try await client.grantLease(ttl: .seconds(5))
            try await client.put(key("leased"), value: "held", lease: lease.id)
            try await client.keepAlive(lease.id) { keepAlive in
                for try await _ in keepAlive.heartbeats { counters.count() }
            }
            if !Task.isCancelled { counters.fail("keep-alive ended without cancellation") }
        } catch is CancellationError {
        } catch {
            if !Task.isCancelled { counters.fail("keep-alive: \(error)") }
        }
    }

    /// Takes and releases one mutex in a loop, in a session of its own.
    private func contend() async {
        do {
            try await client.withSession(ttl: .seconds(10)) { [self] session in
                let mutex = EtcdMutex(session: session, name: prefix + "lock")
                await loop { try await mutex.withLock { _ in } }
            }
        } catch is CancellationError {
        } catch {
            if !Task.isCancelled { counters.fail("session: \(error)") }
        }
    }

    /// Compacts away all but the last 10,000 revisions every 20 seconds, as a service would.
    private func compact() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(20))
                let latest = try await client.status().header.revision
                if latest > 10_000 { try await client.compact(revision: latest - 10_000) }
            } catch is CancellationError {
                return
            } catch let error as EtcdError where error.code == .compacted {
                continue
            } catch {
                if !Task.isCancelled { counters.fail("compaction: \(error)") }
            }
        }
    }
}
