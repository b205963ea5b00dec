import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

/// Thrown by a transaction body to abandon it.
private struct Abandoned: Error {}

/// Moves a random amount from one random account to another, never below zero, in one transaction.
private func transfer(
    _ etcd: EtcdClient,
    accounts: [EtcdKey],
    level: EtcdSTMIsolation,
    generator: inout SplitMix64,
    attempts: AsyncCounter
) async throws {
    let from = accounts[Int(generator.next() % UInt64(accounts.count))]
    var to = accounts[Int(generator.next() % UInt64(accounts.count))]
    if to == from { to = accounts[(accounts.firstIndex(of: from)! + 1) % accounts.count] }
    let wanted = Int(generator.next() % 40) + 1
    try await etcd.stm(level: level, maxAttempts: 1_000) { tx in
        attempts.increment()
        let fromBalance = Int(try await tx.getString(from) ?? "0") ?? 0
        let toBalance = Int(try await tx.getString(to) ?? "0") ?? 0
        let amount = min(wanted, fromBalance)
        tx.put(from, value: "\(fromBalance - amount)")
        tx.put(to, value: "\(toBalance + amount)")
    }
}

/// Puts 100 in each of `accounts`, then runs `tasks` tasks in parallel, each making `each` random transfers; task `i`
/// uses `clients[i % clients.count]`.
///
/// - Returns: how many attempts the transactions made.
@discardableResult
private func runTransfers(
    _ clients: [EtcdClient],
    accounts: [EtcdKey],
    tasks: Int,
    each: Int,
    level: EtcdSTMIsolation,
    seed: UInt64
) async throws -> Int {
    let attempts = AsyncCounter()
    for account in accounts { try await clients[0].put(account, value: "100") }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var generator = SplitMix64(seed: seed + UInt64(task))
                for _ in 0..<each {
                    try await transfer(
                        clients[task % clients.count],
                        accounts: accounts,
                        level: level,
                        generator: &generator,
                        attempts: attempts
                    )
                }
            }
        }
        try await group.waitForAll()
    }
    return attempts.value
}

/// The balances of `accounts`, read at one revision.
private func balances(_ etcd: EtcdClient, _ accounts: [EtcdKey], prefix: String) async throws -> [Int] {
    let all = try await etcd.get(.prefix(EtcdKey(prefix)))
    return accounts.map { key in Int(all.keyValues.first { $0.key == key }?.stringValue ?? "") ?? -1 }
}

@Suite("STM against a real etcd", .timeLimit(.minutes(2)))
struct STMTests {
    @Test("Go's example: five accounts of 100 and transfers in parallel; the sum stays 500")
    func goExample() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("stm-example")
            let accounts = (0..<5).map { EtcdKey(prefix + "account\($0)") }
            try await runTransfers(
                [etcd],
                accounts: accounts,
                tasks: 5,
                each: 20,
                level: .serializableSnapshot,
                seed: 0
            )
            let final = try await balances(etcd, accounts, prefix: prefix)
            #expect(final.reduce(0, +) == 500, "\(final)")
        }
    }

    @Test(
        "bank: 10 accounts, 8 tasks, 1,000 transfers; the sum is kept and no balance goes negative",
        arguments: [EtcdSTMIsolation.serializableSnapshot, .serializable, .repeatableReads]
    )
    func bank(level: EtcdSTMIsolation) async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("stm-bank")
            let accounts = (0..<10).map { EtcdKey(prefix + "account\($0)") }
            try await runTransfers([etcd], accounts: accounts, tasks: 8, each: 125, level: level, seed: 100)
            let final = try await balances(etcd, accounts, prefix: prefix)
            #expect(final.reduce(0, +) == 1_000, "\(final)")
            #expect(final.allSatisfy { $0 >= 0 }, "\(final)")
        }
    }

    @Test("4 tasks of one client on 8 accounts: they queue for the keys in the process instead of conflicting in etcd")
    func fewWastedAttempts() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("stm-board")
            let accounts = (0..<8).map { EtcdKey(prefix + "account\($0)") }
            let transfers = 400
            let attempts = try await runTransfers(
                [etcd],
                accounts: accounts,
                tasks: 4,
                each: transfers / 4,
                level: .serializableSnapshot,
                seed: 7
            )
            // Without the board, this workload retries about 0.9 times per commit (Go's client does too).
            #expect(attempts < transfers + transfers / 4, "\(attempts) attempts for \(transfers) transfers")
            let final = try await balances(etcd, accounts, prefix: prefix)
            #expect(final.reduce(0, +) == 800, "\(final)")
        }
    }

    @Test("two clients, as two processes would, transfer between the same accounts: the sum is kept")
    func twoClients() async throws {
        let cluster = try await SharedEtcd.shared.get()
        try await SharedEtcd.withClient { first in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { second in
                let prefix = SharedEtcd.uniquePrefix("stm-two-clients")
                let accounts = (0..<4).map { EtcdKey(prefix + "account\($0)") }
                let attempts = try await runTransfers(
                    [first, second],
                    accounts: accounts,
                    tasks: 4,
                    each: 50,
                    level: .serializableSnapshot,
                    seed: 11
                )
                #expect(attempts >= 200)
                let final = try await balances(first, accounts, prefix: prefix)
                #expect(final.reduce(0, +) == 400, "\(final)")
                #expect(final.allSatisfy { $0 >= 0 }, "\(final)")
            }
        }
    }

    @Test("read committed allows a lost update that serializable snapshot prevents")
    func readCommittedLosesAnUpdate() async throws {
        try await SharedEtcd.withClient { etcd in
            for level in [EtcdSTMIsolation.readCommitted, .serializableSnapshot] {
                let counter = EtcdKey(SharedEtcd.uniquePrefix("stm-lost") + "counter")
                try await etcd.put(counter, value: "0")
                let interfered = LockedValue(false)
                try await etcd.stm(level: level) { tx in
                    #expect(tx.level == level)
                    let seen = Int(try await tx.getString(counter) ?? "") ?? -1
                    let first = interfered.withLock { done in
                        defer { done = true }
                        return !done
                    }
                    if first {
                        // Another transaction increments the counter after this one read it.
                        try await etcd.stm(level: level) { other in
                            let value = Int(try await other.getString(counter) ?? "") ?? -1
                            other.put(counter, value: "\(value + 1)")
                        }
                    }
                    tx.put(counter, value: "\(seen + 1)")
                }
                let final = try await etcd.get(counter)?.stringValue
                // Read committed commits on a stale read: one increment is lost. Serializable snapshot retries.
                #expect(final == (level == .readCommitted ? "1" : "2"), "\(level): \(final ?? "nil")")
            }
        }
    }

    @Test("a body that throws after writing leaves nothing in etcd, and its error comes out unchanged")
    func throwingBodyWritesNothing() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("stm-throw") + "k")
            await #expect(throws: Abandoned.self) {
                try await etcd.stm { tx in
                    tx.put(key, value: "written")
                    let readBack = try await tx.getString(key)
                    #expect(readBack == "written")
                    throw Abandoned()
                }
            }
            let left = try await etcd.get(key)
            #expect(left == nil)
        }
    }

    @Test("a conflict in every attempt: the limit is reached and reported with its count")
    func attemptLimit() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("stm-limit") + "k")
            try await etcd.put(key, value: "0")
            let attempts = LockedValue(0)
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.stm(maxAttempts: 3) { tx in
                    attempts.withLock { $0 += 1 }
                    let value = try await tx.getString(key) ?? ""
                    // Someone else writes the key each time, after this attempt read it.
                    try await etcd.put(key, value: value + "x")
                    tx.put(key, value: "mine")
                }
            }
            #expect(error.code == .stmConflict)
            #expect(error.message.contains("3 attempts"), "\(error.message)")
            #expect(attempts.withLock { $0 } == 3)
            let final = try await etcd.get(key)?.stringValue
            #expect(final == "0xxx", "each attempt saw the previous outside write")
        }
    }

    @Test("cancelled during an attempt: CancellationError, nothing written")
    func cancellation() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("stm-cancel") + "k")
            let inside = AsyncCounter()
            let running = Task {
                try await etcd.stm { tx in
                    tx.put(key, value: "never")
                    inside.increment()
                    try await Task.sleep(for: .seconds(600))
                }
            }
            await inside.wait(for: 1)
            running.cancel()
            await #expect(throws: CancellationError.self) { try await running.value }
            let left = try await etcd.get(key)
            #expect(left == nil)
        }
    }

    @Test("prefetched keys are read in one round trip; reads, revisions, deletes and leases go through the transaction")
    func prefetchAndOperations() async throws {
        let cluster = try await SharedEtcd.shared.get()
        let statistics = EtcdTestStatisticsRecorder()
        var configuration = cluster.clientConfiguration
        configuration.statisticsSink = statistics.sink
        try await withEtcdClient(configuration: configuration) { etcd in
            let prefix = SharedEtcd.uniquePrefix("stm-prefetch")
            let keys = (0..<3).map { EtcdKey(prefix + "k\($0)") }
            for key in keys { try await etcd.put(key, value: "v") }
            let written = try await etcd.get(keys[0])
            let lease = try await etcd.grantLease(ttl: .seconds(30))
            let before = statistics.all.count
            try await etcd.stm(prefetch: keys) { tx in
                for key in keys {
                    let value = try await tx.get(key)
                    #expect(value == Array("v".utf8))
                }
                let revision = try await tx.modRevision(of: keys[0])
                #expect(revision == written?.modRevision)
                let missing = try await tx.modRevision(of: EtcdKey(prefix + "missing"))
                #expect(missing == 0)
                tx.delete(keys[1])
                let deleted = try await tx.get(keys[1])
                #expect(deleted == nil)
                tx.put(keys[2], value: [0xFF], lease: lease.id)
            }
            let calls = statistics.all.dropFirst(before).filter {
                if case .callFinished(let method, _, _) = $0 { return method == "/etcdserverpb.KV/Txn" }
                return false
            }
            // The prefetch, the read of the missing key, and the commit.
            #expect(calls.count == 3, "\(calls)")
            #expect(try await etcd.get(keys[1]) == nil)
            let leased = try await etcd.get(keys[2])
            #expect(leased?.value == [0xFF] && leased?.lease == lease.id)
            try await etcd.revokeLease(lease.id)
        }
    }
}
