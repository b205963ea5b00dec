import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

@Suite("Barriers against a real etcd", .timeLimit(.minutes(2)))
struct BarrierTests {
    @Test("a barrier holds 5 waiters until it is released; wait returns at once when it is down")
    func barrier() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("barrier") + "b")
            let barrier = EtcdBarrier(client: etcd, key: key)
            #expect(barrier.key == key)
            #expect(barrier.client === etcd)
            try await barrier.wait()
            #expect(try await barrier.hold())
            #expect(try await !barrier.hold(), "holding a raised barrier again reports it was up")
            let released = LockedValue(false)
            let through = AsyncCounter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await EtcdBarrier(client: etcd, key: key).wait()
                        #expect(released.withLock { $0 }, "no waiter goes through a raised barrier")
                        through.increment()
                    }
                }
                // Release once all five wait on their watches.
                while etcd.watchCount < 5 { await Task.yield() }
                #expect(through.value == 0)
                released.withLock { $0 = true }
                try await barrier.release()
                try await group.waitForAll()
            }
            #expect(through.value == 5)
            #expect(try await etcd.get(key) == nil)
        }
    }

    @Test("5 participants enter together and leave together, and the barrier's keys are gone afterwards")
    func doubleBarrier() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("double-barrier") + "db"
            let arrived = AsyncCounter()
            let leaving = AsyncCounter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await etcd.withSession(ttl: .seconds(10)) { session in
                            let barrier = EtcdDoubleBarrier(session: session, name: name, count: 5)
                            #expect(barrier.count == 5)
                            arrived.increment()
                            try await barrier.enter()
                            #expect(arrived.value == 5, "nobody is through before all five entered")
                            leaving.increment()
                            try await barrier.leave()
                            #expect(leaving.value == 5, "nobody has left before all five leave")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await etcd.count(.prefix(EtcdKey(name + "/"))) == 0)
        }
    }

    @Test("one participant too many is refused and leaves no key; leave without enter is an error")
    func tooMany() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("double-barrier-full") + "db"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let first = EtcdDoubleBarrier(session: session, name: name, count: 2)
                let second = EtcdDoubleBarrier(session: session, name: name, count: 2)
                let third = EtcdDoubleBarrier(session: session, name: name, count: 2)
                #expect(third.session === session)
                let notEntered = await #expect(throws: EtcdError.self) { try await third.leave() }
                #expect(notEntered?.code == .notEntered)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await first.enter() }
                    group.addTask { try await second.enter() }
                    try await group.waitForAll()
                }
                #expect(try await etcd.get(first.readyKey) != nil)
                let refused = await #expect(throws: EtcdError.self) { try await third.enter() }
                #expect(refused?.code == .tooManyParticipants)
                #expect(try await etcd.count(.prefix(first.waitersPrefix)) == 2)
            }
        }
    }

    @Test("a cancelled leave takes its key out, and the participant left behind can leave")
    func cancelledLeave() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("double-barrier-leave") + "db"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let oldest = EtcdDoubleBarrier(session: session, name: name, count: 2)
                let newest = EtcdDoubleBarrier(session: session, name: name, count: 2)
                let entering = Task { try await oldest.enter() }
                while try await etcd.count(.prefix(oldest.waitersPrefix)) == 0 { await Task.yield() }
                try await newest.enter()
                try await entering.value
                // The oldest participant leaves last: it waits for the newest to leave. Cancel that wait.
                let waiting = Task { try await oldest.leave() }
                while etcd.watchCount < 1 { await Task.yield() }
                waiting.cancel()
                await #expect(throws: CancellationError.self) { try await waiting.value }
                #expect(try await etcd.count(.prefix(oldest.waitersPrefix)) == 1, "the cancelled one took its key out")
                try await newest.leave()
                #expect(try await etcd.count(.prefix(EtcdKey(name + "/"))) == 0)
            }
        }
    }

    @Test("a cancelled enter takes its key out")
    func cancelledEnter() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("double-barrier-cancel") + "db"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let barrier = EtcdDoubleBarrier(session: session, name: name, count: 3)
                let entering = Task { try await barrier.enter() }
                while try await etcd.count(.prefix(barrier.waitersPrefix)) == 0 { await Task.yield() }
                entering.cancel()
                await #expect(throws: CancellationError.self) { try await entering.value }
                #expect(try await etcd.count(.prefix(barrier.waitersPrefix)) == 0)
            }
        }
    }
}
