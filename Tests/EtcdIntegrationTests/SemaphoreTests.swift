import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

@Suite("Semaphore against a real etcd", .timeLimit(.minutes(2)))
struct SemaphoreTests {
    @Test("N = 3 and 10 contenders: never more than 3 hold, and 3 do hold at once")
    func boundedHolders() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("semaphore-bound") + "sem"
            let holding = LockedValue((now: 0, most: 0))
            let rounds = AsyncCounter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await etcd.withSession(ttl: .seconds(10)) { session in
                            let semaphore = EtcdSemaphore(session: session, name: name, limit: 3)
                            #expect(semaphore.limit == 3)
                            #expect(semaphore.session === session)
                            for _ in 0..<5 {
                                try await semaphore.withPermit { ownership in
                                    holding.withLock {
                                        $0.now += 1; $0.most = max($0.most, $0.now)
                                    }
                                    let key = try #require(try await etcd.get(ownership.key))
                                    #expect(key.lease == session.lease)
                                    try await Task.sleep(for: .milliseconds(5))
                                    holding.withLock { $0.now -= 1 }
                                }
                                rounds.increment()
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(rounds.value == 50)
            #expect(holding.withLock { $0.most } == 3)
            #expect(try await etcd.count(.prefix(EtcdKey(name + "/"))) == 0)
        }
    }

    @Test("a full semaphore refuses tryAcquire; waiters enter in arrival order as permits come back")
    func arrivalOrder() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("semaphore-order") + "sem"
            let sessions = try await (0..<5).asyncMap { _ in
                try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            }
            let semaphores = sessions.map { EtcdSemaphore(session: $0, name: name, limit: 2) }
            try await semaphores[0].acquire()
            let second = try #require(try await semaphores[1].tryAcquire())
            #expect(semaphores[1].currentOwnership == second)
            #expect(try await semaphores[2].tryAcquire() == nil)
            #expect(try await etcd.get(semaphores[2].key) == nil, "a refused tryAcquire leaves no key")
            #expect(try await semaphores[2].withPermitIfAvailable { _ in true } == nil)
            let order = LockedValue<[Int]>([])
            var waiters: [Task<Void, any Error>] = []
            for index in 2..<5 {
                let semaphore = semaphores[index]
                waiters.append(
                    Task {
                        try await semaphore.acquire()
                        order.withLock { $0.append(index) }
                    }
                )
                while try await etcd.get(semaphore.key) == nil { await Task.yield() }
            }
            try await semaphores[0].release()
            try await waiters[0].value
            #expect(order.withLock { $0 } == [2])
            try await semaphores[1].release()
            try await waiters[1].value
            #expect(order.withLock { $0 } == [2, 3])
            try await semaphores[2].release()
            try await waiters[2].value
            #expect(order.withLock { $0 } == [2, 3, 4])
            for session in sessions { try await session.close() }
        }
    }

    @Test("a holder whose session is lost stops counting: the next waiter enters")
    func lostHolder() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("semaphore-lost") + "sem"
            let sessions = try await (0..<4).asyncMap { _ in
                try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            }
            let semaphores = sessions.map { EtcdSemaphore(session: $0, name: name, limit: 3) }
            for semaphore in semaphores.prefix(3) { try await semaphore.acquire() }
            let waiter = Task { try await semaphores[3].acquire() }
            while try await etcd.get(semaphores[3].key) == nil { await Task.yield() }
            try await etcd.revokeLease(sessions[1].lease)
            let ownership = try await waiter.value
            #expect(ownership.key == semaphores[3].key)
            let counted = try await etcd.count(.prefix(semaphores[0].prefix))
            #expect(counted == 3)
            for session in sessions { try? await session.close() }
        }
    }

    @Test("a cancelled wait removes our key; the fence of a released permit no longer holds")
    func cancellationAndFence() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("semaphore-cancel") + "sem"
            let guarded = EtcdKey(name + "-guarded")
            try await etcd.withSession(ttl: .seconds(10)) { first in
                try await etcd.withSession(ttl: .seconds(10)) { second in
                    let holder = EtcdSemaphore(session: first, name: name, limit: 1)
                    let other = EtcdSemaphore(session: second, name: name, limit: 1)
                    let held = try await holder.acquire()
                    let waiter = Task { try await other.acquire() }
                    while try await etcd.get(other.key) == nil { await Task.yield() }
                    waiter.cancel()
                    await #expect(throws: CancellationError.self) { try await waiter.value }
                    #expect(try await etcd.get(other.key) == nil)
                    #expect(try await etcd.txn(if: [held.fence], then: [.put(guarded, value: "1")]).succeeded)
                    try await holder.release()
                    #expect(holder.currentOwnership == nil)
                    let unheld = await #expect(throws: EtcdError.self) { try await holder.release() }
                    #expect(unheld?.code == .lockNotHeld, "a second release deletes nothing")
                    #expect(try await !etcd.txn(if: [held.fence], then: [.put(guarded, value: "2")]).succeeded)
                    let value = try await other.withPermit { _ in "inside" }
                    #expect(value == "inside")
                    #expect(try await etcd.count(.prefix(other.prefix)) == 0)
                }
            }
        }
    }
}
