import EtcdClientCore
import EtcdConcurrency
import EtcdMirror
import EtcdTesting
import _EtcdTestSupport

/// One chaos run: three members behind relays, a seeded nemesis, the whole load at once, and every invariant
/// checked at the end.
struct ChaosRun {
    /// The deadline of every unary call the load makes.
    static let callTimeout = Duration.seconds(5)
    /// How late past its deadline a call may return before it counts as hung: the time to tear a call down.
    static let callSlack = Duration.seconds(2)
    static let watcherCount = 100
    /// How much more heap the process may hold once the clients are closed and the cluster is gone than before it
    /// started. Measured: 0.8 to 1 MiB more after 15 s, 1.7 MiB after 60 s (what the runtime and Foundation keep,
    /// including the processes the nemesis started). A leak of what the load does would pass it within a run: a 15 s
    /// run makes some 100,000 watch events and 4,000 writes.
    static let heapGrowthLimitKiB = 4_096
    /// How long the end of the run may wait for watchers, the mirror and the recipes to finish.
    static let settleLimit = Duration.seconds(60)

    /// How long the nemesis runs, in seconds.
    let seconds: Int
    let seed: UInt64

    /// Starts the cluster, runs the load under faults, checks it, and returns the summary.
    func run() async throws -> ChaosSummary {
        let memoryBefore = EtcdTestMemory.current()
        var summary = try await withEtcdTestCluster(members: 3, peerRelays: true) { cluster in
            let relays = try cluster.clientRelays()
            defer { for relay in relays { relay.stop() } }
            return try await run(on: cluster, relays: relays)
        }
        // Measured around the cluster, whose relays run in this process and keep what they relayed in flight.
        let memoryAfter = EtcdTestMemory.current()
        summary.memoryBefore = memoryBefore
        summary.memoryAfter = memoryAfter
        if let before = memoryBefore.heapInUseKiB, let after = memoryAfter.heapInUseKiB,
            after > before + Self.heapGrowthLimitKiB
        {
            summary.violations.append("after close the heap holds \(after) KiB, before the cluster \(before) KiB")
        }
        return summary
    }

    private func run(on cluster: EtcdTestCluster, relays: [EtcdTestRelay]) async throws -> ChaosSummary {
        let (_, memberIDs) = try await cluster.leadership()
        // The relays run in this process: their sockets (the members' peer traffic among them) are not the clients'.
        let allRelays = relays + cluster.peerRelays
        func clientResources() -> EtcdTestResources {
            var resources = EtcdTestResources.current()
            resources.sockets -= 2 * allRelays.map(\.connectionCount).reduce(0, +)
            return resources
        }
        let resourcesBefore = clientResources()
        // The load reaches the members through their relays; the checker goes to them directly, after healing.
        func client(startingOn index: Int) throws -> EtcdClient {
            var configuration = cluster.configuration(through: relays, startingOn: index % relays.count)
            configuration.connectTimeout = .milliseconds(500)
            configuration.defaultCallOptions.timeout = Self.callTimeout
            return try EtcdClient(configuration: configuration)
        }
        let load = ChaosClients(
            writers: try (0..<2).map { try client(startingOn: $0) },
            watchers: try (0..<2).map { try client(startingOn: $0 + 1) },
            lockers: try (0..<4).map { try client(startingOn: $0) },
            candidates: try (0..<3).map { try client(startingOn: $0) },
            observer: try client(startingOn: 0),
            leaseHolder: try client(startingOn: 1),
            mirror: try client(startingOn: 2)
        )
        let checker = try EtcdClient(configuration: cluster.clientConfiguration)
        var summary: ChaosSummary
        do {
            summary = try await run(load, checker: checker, cluster: cluster, relays: relays, memberIDs: memberIDs)
        } catch {
            for client in load.all + [checker] { await client.close() }
            throw error
        }
        for client in load.all + [checker] { await client.close() }
        // Closed clients leave no thread, socket or pipe behind; the relays notice the closed connections and close
        // their halves.
        let resourcesAfter = await EtcdTestResources.settle(to: resourcesBefore, measure: clientResources)
        summary.resourcesBefore = resourcesBefore.description
        summary.resourcesAfter = resourcesAfter.description
        if resourcesAfter != resourcesBefore {
            summary.violations.append("after close: \(resourcesAfter), before the clients: \(resourcesBefore)")
        }
        return summary
    }

    private func run(
        _ load: ChaosClients,
        checker: EtcdClient,
        cluster: EtcdTestCluster,
        relays: [EtcdTestRelay],
        memberIDs: [UInt64]
    ) async throws -> ChaosSummary {
        let status = try await checker.status()
        var summary = ChaosSummary(seed: seed, seconds: seconds, etcd: status.version)
        let base = try await checker.get(.prefix(EtcdKey(ChaosKeys.root))).header.revision
        let ledger = ChaosLedger()
        let stop = ChaosStop()
        var ranges = SplitMix64(seed: seed ^ 0x5EED)
        let watched: [Range<Int>] = (0..<Self.watcherCount).map { _ in
            let lower = Int(ranges.next() % UInt64(ChaosKeys.bucketCount))
            return lower..<(lower + 1 + Int(ranges.next() % UInt64(ChaosKeys.bucketCount - lower)))
        }
        let watching = Task {
            try await withThrowingTaskGroup(of: (Int, [ChaosEvent]).self) { group in
                for (index, buckets) in watched.enumerated() {
                    let client = load.watchers[index % load.watchers.count]
                    group.addTask { (index, try await ChaosWorkloads.watch(client, buckets: buckets, from: base + 1)) }
                }
                var events = [[ChaosEvent]](repeating: [], count: watched.count)
                for try await (index, seen) in group { events[index] = seen }
                return events
            }
        }
        let mirror = EtcdPrefixMirror(client: load.mirror, prefix: EtcdKey(ChaosKeys.written))
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, client) in load.lockers.enumerated() {
                    group.addTask { await ChaosWorkloads.contendForLock(client, contender: index, ledger: ledger) }
                }
                for (index, client) in load.candidates.enumerated() {
                    group.addTask { await ChaosWorkloads.campaign(client, candidate: index, ledger: ledger) }
                }
                group.addTask { await ChaosWorkloads.observe(load.observer, ledger: ledger) }
                group.addTask {
                    do {
                        try await mirror.run()
                    } catch {
                        if !Task.isCancelled { ledger.violation("the mirror failed: \(error)") }
                    }
                }
            }
        }
        let leasing = Task { try await ChaosWorkloads.keepLeaseAlive(load.leaseHolder, ledger: ledger, stop: stop) }
        let writing = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, client) in load.writers.enumerated() {
                    group.addTask { await ChaosWorkloads.write(client, writer: index, ledger: ledger, stop: stop) }
                }
            }
        }

        var nemesis = ChaosNemesis(
            cluster: cluster,
            clientRelays: relays,
            memberIDs: memberIDs,
            random: SplitMix64(seed: seed)
        )
        do {
            summary.faults = try await nemesis.run(until: .now + .seconds(seconds))
        } catch {
            stop.set()
            for task in [watching.cancel, background.cancel, leasing.cancel, writing.cancel] { task() }
            throw error
        }

        // Every fault is healed and every member healthy: end the load and check what it left.
        stop.set()
        // Every write in flight ends by its deadline; a write that hangs fails the run here, not the test's time limit.
        try await withTestDeadline(Self.callTimeout + Self.callSlack, "the writers' last calls") { await writing.value }
        summary.keepAlive = try await withTestDeadline(Self.settleLimit, "the keep-alive check") {
            try await leasing.value
        }
        var lastMarker = base
        for bucket in 0..<ChaosKeys.bucketCount {
            lastMarker = try await checker.put(EtcdKey(ChaosKeys.endMarker(bucket)), value: "end").header.revision
        }
        let finalRevision = lastMarker
        let stored = try await checker.get(.prefix(EtcdKey(ChaosKeys.written))).keyValues
        checkWrites(stored, ledger: ledger, summary: &summary)

        do {
            let events = try await withTestDeadline(Self.settleLimit, "the watchers reaching the end markers") {
                try await watching.value
            }
            checkWatchers(events, ranges: watched, stored: stored, ledger: ledger)
            summary.watchers = events.count
            summary.watchEvents = events.map(\.count).reduce(0, +)
        } catch {
            watching.cancel()
            ledger.violation("the watchers: \(error)")
        }
        do {
            try await withTestDeadline(Self.settleLimit, "the mirror reaching revision \(finalRevision)") {
                try await mirror.wait(for: finalRevision)
            }
            let mirrored = mirror.keyValues().map { "\($0.key)@\($0.modRevision)" }
            if mirrored != stored.map({ "\($0.key)@\($0.modRevision)" }) {
                ledger.violation("the mirror holds \(mirrored.count) keys, etcd \(stored.count), or other revisions")
            }
            summary.mirrorKeys = mirrored.count
            summary.mirrorReloads = mirror.reloadCount
        } catch {
            ledger.violation("the mirror: \(error)")
        }

        background.cancel()
        try await withTestDeadline(Self.settleLimit, "the recipes ending after cancellation") { await background.value }
        try await checkFences(checker: checker, after: base, ledger: ledger)

        summary.writesDone = ledger.writes.done.count
        summary.writesNotSent = ledger.writes.notSent.count
        summary.writesUnknown = ledger.writes.unknown.count
        summary.calls = ledger.callCount
        summary.slowestCallMilliseconds = Int(ledger.slowestCall / .milliseconds(1))
        if ledger.slowestCall > Self.callTimeout + Self.callSlack {
            ledger.violation("a call took \(ledger.slowestCall), past its deadline of \(Self.callTimeout)")
        }
        summary.fencedLockWrites = ledger.fencedLockWrites
        summary.fencedLeaderWrites = ledger.fencedLeaderWrites
        summary.observedLeaders = ledger.observedLeaders.count
        summary.recipeErrors = ledger.recipeErrors
        for (name, count) in [("writes done", summary.writesDone), ("fenced lock writes", summary.fencedLockWrites)]
        where count == 0 {
            ledger.violation("no \(name): the load made no progress")
        }
        summary.violations = ledger.violations
        return summary
    }

    /// Every write reported done is there once, at its revision; nothing reported not sent is there; nothing is
    /// there that no write made.
    private func checkWrites(_ stored: [EtcdKeyValue], ledger: ChaosLedger, summary: inout ChaosSummary) {
        let writes = ledger.writes
        var byKey: [String: EtcdKeyValue] = [:]
        for keyValue in stored { byKey[keyValue.key.description] = keyValue }
        for (key, revision) in writes.done.sorted(by: { $0.key < $1.key }) {
            guard let keyValue = byKey[key] else {
                ledger.violation("\(key) was reported done at \(revision) and is missing")
                continue
            }
            if keyValue.modRevision != revision {
                ledger.violation("\(key) was reported done at \(revision), etcd has it at \(keyValue.modRevision)")
            }
        }
        for key in writes.notSent.sorted() where byKey[key] != nil {
            ledger.violation("\(key) was reported not sent and is there")
        }
        for keyValue in stored where keyValue.version != 1 {
            ledger.violation("\(keyValue.key) was written \(keyValue.version) times")
        }
        for key in byKey.keys.sorted()
        where !key.hasSuffix("/~end") && writes.done[key] == nil && !writes.unknown.contains(key) {
            ledger.violation("\(key) is there, but no write of it was reported done or unknown")
        }
        summary.writesUnknownPresent = writes.unknown.filter { byKey[$0] != nil }.count
    }

    /// Each watcher saw exactly the puts in its range since the run began, each once, in revision order.
    private func checkWatchers(
        _ events: [[ChaosEvent]],
        ranges: [Range<Int>],
        stored: [EtcdKeyValue],
        ledger: ChaosLedger
    ) {
        let history = stored.sorted { $0.modRevision < $1.modRevision }.map {
            ChaosEvent(revision: $0.modRevision, key: $0.key.description, isPut: true)
        }
        for (index, buckets) in ranges.enumerated() {
            let range = ChaosKeys.range(buckets: buckets.lowerBound, buckets.upperBound)
            let expected = history.filter { range.contains(EtcdKey($0.key)) }
            let seen = events[index]
            guard seen != expected else { continue }
            let first =
                zip(seen, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(seen.count, expected.count)
            let saw = first < seen.count ? "\(seen[first])" : "nothing"
            let wanted = first < expected.count ? "\(expected[first])" : "nothing"
            ledger.violation(
                "watcher \(index) of buckets \(buckets): \(seen.count) events for \(expected.count); event \(first) is \(saw), history has \(wanted)"
            )
        }
    }

    /// The fenced writes of the mutex holders, and of the election leaders, are in the order of their ownerships in
    /// etcd's history: no write of an older holder landed after a newer holder's, so no two held at once.
    private func checkFences(checker: EtcdClient, after base: Int64, ledger: ChaosLedger) async throws {
        for (key, committed) in [
            (ChaosKeys.lockFence, ledger.fencedLockWrites), (ChaosKeys.leaderFence, ledger.fencedLeaderWrites),
        ] {
            guard let last = try await checker.get(key)?.modRevision else {
                if committed > 0 { ledger.violation("\(committed) fenced writes of \(key) committed, none is there") }
                continue
            }
            let values = try await withTestDeadline(Self.settleLimit, "the history of \(key)") {
                try await checker.watch(key, startRevision: base + 1) { responses in
                    var values: [String] = []
                    for try await response in responses {
                        for event in response.events { values.append(event.keyValue.stringValue ?? "") }
                        if response.events.last.map({ $0.revision >= last }) == true { break }
                    }
                    return values
                }
            }
            let owners = values.compactMap { $0.split(separator: " ").first.flatMap { Int64($0) } }
            if let step = zip(owners, owners.dropFirst()).first(where: { $0.1 < $0.0 }) {
                ledger.violation("\(key): a write fenced by \(step.1) landed after one fenced by \(step.0)")
            }
            if values.count < committed {
                ledger.violation("\(key): \(committed) fenced writes committed, \(values.count) in the history")
            }
        }
        let leaders = ledger.observedLeaders
        if let step = zip(leaders, leaders.dropFirst()).first(where: { $0.1 < $0.0 }) {
            ledger.violation("the observer saw leader \(step.1) after leader \(step.0)")
        }
    }
}

/// The clients of a chaos run's load, one or more per role.
struct ChaosClients {
    var writers: [EtcdClient]
    var watchers: [EtcdClient]
    var lockers: [EtcdClient]
    var candidates: [EtcdClient]
    var observer: EtcdClient
    var leaseHolder: EtcdClient
    var mirror: EtcdClient

    var all: [EtcdClient] { writers + watchers + lockers + candidates + [observer, leaseHolder, mirror] }
}
