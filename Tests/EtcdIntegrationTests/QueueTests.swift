import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

@Suite("Queues against a real etcd", .timeLimit(.minutes(3)))
struct QueueTests {
    @Test("3 producers, 3 consumers, 3,000 items: each consumed once, each producer's items in order")
    func producersAndConsumers() async throws {
        try await SharedEtcd.withClient { etcd in
            let queue = EtcdQueue(client: etcd, name: SharedEtcd.uniquePrefix("queue") + "q")
            try await checkProducersAndConsumers(
                consumers: [queue, queue, queue],
                producers: 3,
                perProducer: 1_000,
                etcd
            )
        }
    }

    @Test("consumers of different queue objects (as in different processes) race through etcd: 600 items, once each")
    func consumersRaceThroughEtcd() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("queue-race") + "q"
            let consumers = (0..<3).map { _ in EtcdQueue(client: etcd, name: name) }
            try await checkProducersAndConsumers(consumers: consumers, producers: 2, perProducer: 300, etcd)
        }
    }

    @Test("items are keys name/<nanoseconds> without a lease; dequeue waits for an item")
    func layoutAndWait() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("queue-wait") + "q"
            let queue = EtcdQueue(client: etcd, name: name)
            #expect(queue.client === etcd)
            let waiting = Task { try await queue.dequeue() }
            let key = try await queue.enqueue([UInt8]([0, 1, 2]))
            let text = try #require(key.stringValue)
            #expect(text.hasPrefix(name + "/") && Int64(text.dropFirst(name.count + 1)) != nil)
            let item = try await waiting.value
            #expect(item.key == key)
            #expect(item.value == [0, 1, 2])
            #expect(item.lease == nil)
            #expect(try await etcd.get(key) == nil)
        }
    }

    @Test("a cancelled dequeue throws and takes nothing")
    func cancelledDequeue() async throws {
        try await SharedEtcd.withClient { etcd in
            let queue = EtcdQueue(client: etcd, name: SharedEtcd.uniquePrefix("queue-cancel") + "q")
            let waiting = Task { try await queue.dequeue() }
            while etcd.watchCount < 1 { await Task.yield() }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            try await queue.enqueue("kept")
            #expect(try await etcd.count(.prefix(queue.prefix)) == 1)
            #expect(try await queue.dequeue().stringValue == "kept")
        }
    }

    @Test("the priority queue hands out the lowest priority number first, first in first out within one")
    func priorities() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("priority-queue") + "pq"
            let queue = EtcdPriorityQueue(client: etcd, name: name)
            #expect(queue.client === etcd && queue.prefix == EtcdKey(name + "/"))
            let items: [(String, UInt16)] = [
                ("c1", 3), ("a1", 1), ("b1", 2), ("a2", 1), ("z", 0), ("c2", 3), ("a3", 1),
            ]
            var keys: [EtcdKey] = []
            for (value, priority) in items { keys.append(try await queue.enqueue(value, priority: priority)) }
            #expect(keys[0] == EtcdKey(name + "/00003/0000000000000000"))
            #expect(keys[3] == EtcdKey(name + "/00001/0000000000000001"))
            var order: [String] = []
            for _ in items { order.append(try await queue.dequeue().stringValue ?? "") }
            #expect(order == ["z", "a1", "a2", "a3", "b1", "c1", "c2"])
            let waiting = Task { try await queue.dequeue() }
            try await queue.enqueue("late", priority: 7)
            #expect(try await waiting.value.stringValue == "late")
        }
    }

    @Test("4 tasks enqueue into one priority level at once: every item gets its own sequence number")
    func concurrentPriorityEnqueue() async throws {
        try await SharedEtcd.withClient { etcd in
            let queue = EtcdPriorityQueue(client: etcd, name: SharedEtcd.uniquePrefix("priority-race") + "pq")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<4 {
                    group.addTask { for item in 0..<10 { try await queue.enqueue("\(task):\(item)", priority: 5) } }
                }
                try await group.waitForAll()
            }
            #expect(try await etcd.count(.prefix(queue.prefix)) == 40)
        }
    }
}

/// Runs `producers` producers of `perProducer` items each into the queue of `consumers[0]`, and one consumer task per
/// element of `consumers`; checks that each item is consumed once, each producer's items in order for each consumer,
/// and that the queue ends empty.
private func checkProducersAndConsumers(
    consumers: [EtcdQueue],
    producers: Int,
    perProducer: Int,
    _ etcd: EtcdClient
) async throws {
    let queue = consumers[0]
    let total = producers * perProducer
    let consumed = LockedValue<[[String]]>(Array(repeating: [], count: consumers.count))
    let remaining = LockedValue(total)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for producer in 0..<producers {
            group.addTask {
                for item in 0..<perProducer { try await queue.enqueue("\(producer):\(item)") }
            }
        }
        for (index, consumer) in consumers.enumerated() {
            group.addTask {
                while remaining.withLock({ count in
                    count -= 1
                    return count >= 0
                }) {
                    let item = try await consumer.dequeue()
                    consumed.withLock { $0[index].append(item.stringValue ?? "") }
                }
            }
        }
        try await group.waitForAll()
    }
    let all = consumed.withLock { $0 }
    #expect(all.joined().count == total)
    #expect(Set(all.joined()).count == total, "no item is handed out twice")
    for items in all {
        for producer in 0..<producers {
            let sequence = items.filter { $0.hasPrefix("\(producer):") }.map { Int($0.split(separator: ":")[1])! }
            #expect(sequence == sequence.sorted(), "a consumer sees each producer's items in order")
        }
    }
    #expect(try await etcd.count(.prefix(queue.prefix)) == 0)
}
