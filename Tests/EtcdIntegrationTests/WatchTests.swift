import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Watches against a real etcd", .timeLimit(.minutes(2)))
struct WatchTests {
    @Test("a key's puts and deletes arrive in order, with previous values when asked")
    func keyEvents() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("watch-key") + "k")
            try await etcd.watch(.key(key), includePrevious: true) { responses in
                let first = try await etcd.put(key, value: "1").header.revision
                let second = try await etcd.put(key, value: "2").header.revision
                let deleted = try await etcd.delete(key).header.revision
                var events: [EtcdWatchEvent] = []
                for try await response in responses {
                    events += response.events
                    if events.count >= 3 { break }
                }
                #expect(events.map(\.kind) == [.put, .put, .delete])
                #expect(events.map(\.revision) == [first, second, deleted])
                #expect(events.map(\.keyValue.key) == [key, key, key])
                #expect(events[0].keyValue.stringValue == "1")
                #expect(events[0].previous == nil)
                #expect(events[1].previous?.stringValue == "1")
                #expect(events[2].previous?.stringValue == "2")
                #expect(events[2].keyValue.value.isEmpty)
            }
        }
    }

    @Test("prefix, range, from-key and all-keys watches see exactly their keys")
    func rangeShapes() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("watch-shapes")
            let keys = ["a", "b", "c", "d"].map { EtcdKey(prefix + $0) }
            let outside = EtcdKey(String(prefix.dropLast()) + "0")
            let shapes: [(EtcdKeyRange, [EtcdKey])] = [
                (.prefix(EtcdKey(prefix)), keys),
                (.range(from: keys[1], to: keys[3]), [keys[1], keys[2]]),
                (.from(keys[2]), [keys[2], keys[3], outside]),
            ]
            let start = try await etcd.get(.key(keys[0])).header.revision + 1
            var last: Int64 = 0
            for key in keys + [outside] { last = try await etcd.put(key, value: "v").header.revision }
            for (range, expected) in shapes {
                try await etcd.watch(range, startRevision: start) { responses in
                    var seen: [EtcdKey] = []
                    for try await response in responses {
                        seen += response.events.map(\.keyValue.key)
                        if seen.count >= expected.count { break }
                    }
                    #expect(Array(seen.prefix(expected.count)) == expected, "\(range)")
                }
            }
            // Other tests share this etcd (a lease of theirs may expire meanwhile), so the all-keys watch reads up
            // to our last put and then looks at our keys: all five, outside our prefix too, in order.
            try await etcd.watch(.all, startRevision: start) { responses in
                var seen: [EtcdWatchEvent] = []
                for try await response in responses {
                    seen += response.events
                    if seen.last.map({ $0.revision >= last }) == true { break }
                }
                let ours = Set(keys + [outside])
                #expect(seen.map(\.keyValue.key).filter { ours.contains($0) } == keys + [outside])
            }
            try await etcd.delete(outside)
        }
    }

    @Test("a start revision replays history; filters leave out puts or deletes")
    func historyAndFilters() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("watch-filters")
            let key = EtcdKey(prefix + "k")
            let start = try await etcd.put(key, value: "1").header.revision
            try await etcd.delete(key)
            try await etcd.put(key, value: "2")
            let last = try await etcd.delete(key).header.revision
            try await etcd.watch(.prefix(EtcdKey(prefix)), startRevision: start) { responses in
                var kinds: [EtcdWatchEvent.Kind] = []
                for try await response in responses {
                    kinds += response.events.map(\.kind)
                    if kinds.count >= 4 { break }
                }
                #expect(kinds == [.put, .delete, .put, .delete])
            }
            try await etcd.watch(EtcdWatchRequest(.prefix(EtcdKey(prefix)), startRevision: start, filter: .noPut)) {
                responses in
                var revisions: [Int64] = []
                for try await response in responses {
                    #expect(response.events.allSatisfy { $0.kind == .delete })
                    revisions += response.events.map(\.revision)
                    if revisions.last == last { break }
                }
                #expect(revisions.count == 2)
            }
            try await etcd.watch(EtcdWatchRequest(.prefix(EtcdKey(prefix)), startRevision: start, filter: .noDelete)) {
                responses in
                var values: [String?] = []
                for try await response in responses {
                    #expect(response.events.allSatisfy { $0.kind == .put })
                    values += response.events.map(\.keyValue.stringValue)
                    if values.count >= 2 { break }
                }
                #expect(values == ["1", "2"])
            }
        }
    }

    @Test("an on-demand progress request is answered with the current revision")
    func progressRequest() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("watch-progress") + "k")
            try await etcd.watch(.key(key)) { responses in
                let revision = try await etcd.put(EtcdKey(SharedEtcd.uniquePrefix("elsewhere")), value: "x").header
                    .revision
                responses.requestProgress()
                for try await response in responses where response.isProgressNotification {
                    #expect(response.header.revision >= revision)
                    break
                }
            }
        }
    }

    @Test(
        "a watch from the past over a range with no event since gets a progress answer, at or after the writes elsewhere"
    )
    func progressForQuietWatchFromPast() async throws {
        try await SharedEtcd.withClient { etcd in
            let quiet = SharedEtcd.uniquePrefix("watch-quiet")
            let start = try await etcd.put(EtcdKey(quiet + "before"), value: "x").header.revision + 1
            var last: Int64 = 0
            for index in 0..<5 {
                last = try await etcd.put(EtcdKey(SharedEtcd.uniquePrefix("elsewhere-\(index)")), value: "x").header
                    .revision
            }
            let answered = last
            // The server replays start...last to the watch and finds nothing for it: no event ever says it is caught up.
            let revision = try await withTestDeadline(.seconds(10), "a progress answer") {
                try await etcd.watch(.prefix(EtcdKey(quiet)), startRevision: start) { responses in
                    responses.requestProgress()
                    for try await response in responses {
                        #expect(response.isProgressNotification, "no event is in the range")
                        return response.header.revision
                    }
                    return 0
                }
            }
            #expect(revision >= answered)
        }
    }

    @Test("periodic progress notifications arrive when asked for, carrying the current revision")
    func periodicProgress() async throws {
        try await withEtcdTestCluster(extraArguments: ["--experimental-watch-progress-notify-interval", "200ms"]) {
            cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let revision = try await etcd.put("progress/other", value: "x").header.revision
                try await etcd.watch(.prefix("progress/quiet/"), progressNotifications: true) { responses in
                    var notifications = 0
                    for try await response in responses {
                        #expect(response.isProgressNotification)
                        #expect(response.header.revision >= revision)
                        notifications += 1
                        if notifications == 2 { break }
                    }
                    #expect(notifications == 2)
                }
            }
        }
    }

    @Test("a compacted start revision ends the watch with compacted and the compact revision")
    func compactedStart() async throws {
        // Its own etcd: compaction is store-wide.
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                let key = EtcdKey(SharedEtcd.uniquePrefix("watch-compacted") + "k")
                let old = try await etcd.put(key, value: "1").header.revision
                let compactedTo = try await etcd.put(key, value: "2").header.revision
                try await etcd.compact(revision: compactedTo)
                let error = try await #require(throws: EtcdError.self) {
                    try await etcd.watch(.key(key), startRevision: old) { responses in
                        for try await _ in responses {}
                    }
                }
                #expect(error.code == .compacted)
                #expect(try #require(error.compactRevision) >= compactedTo)
            }
        }
    }

    @Test("a consumer that falls behind its buffer gets watchConsumerTooSlow after the buffered responses")
    func slowConsumer() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("watch-slow")
            let request = EtcdWatchRequest(.prefix(EtcdKey(prefix)), bufferSize: 3)
            var delivered = 0
            let error = try await #require(throws: EtcdError.self) {
                try await etcd.watch(request) { responses in
                    var last: Int64 = 0
                    for index in 0..<20 {
                        last = try await etcd.put(EtcdKey(prefix + "\(index)"), value: "v").header.revision
                    }
                    // The 20 responses cannot all be buffered. A second watch on the same stream, from the last
                    // put, answers after the first watch's events went by: then the overflow surely happened.
                    try await etcd.watch(.key(EtcdKey(prefix + "19")), startRevision: last) { probe in
                        for try await response in probe where !response.events.isEmpty { break }
                    }
                    for try await response in responses { delivered += response.events.count }
                }
            }
            #expect(error.code == .watchConsumerTooSlow)
            #expect(delivered == 3, "the buffered responses are delivered before the error")
        }
    }

    @Test("a revision larger than the server's message limit arrives whole, reassembled from fragments")
    func fragmentedRevision() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("watch-fragments")
            let value = [UInt8](repeating: 0x5A, count: 200_000)
            for index in 0..<12 { try await etcd.put(EtcdKey(prefix + "\(index)"), value: value) }
            try await etcd.watch(.prefix(EtcdKey(prefix)), includePrevious: true) { responses in
                let deleted = try await etcd.delete(.prefix(EtcdKey(prefix)))
                #expect(deleted.deleted == 12)
                for try await response in responses {
                    #expect(response.events.count == 12, "one revision, delivered as one response")
                    #expect(response.events.allSatisfy { $0.previous?.value == value })
                    #expect(response.events.allSatisfy { $0.revision == deleted.header.revision })
                    break
                }
            }
        }
    }

    @Test("1,000 watchers on one connection and 50,000 events: each gets exactly its events, in order")
    func thousandWatchers() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("watch-many")
            let watchers = 1_000
            let perKey = 50
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                let ready = AsyncCounter()
                for index in 0..<watchers {
                    group.addTask {
                        try await etcd.watch(.key(EtcdKey(prefix + "\(index)"))) { responses in
                            ready.increment()
                            var expected = 0
                            var lastRevision: Int64 = 0
                            for try await response in responses {
                                for event in response.events {
                                    guard event.keyValue.stringValue == "\(expected)", event.revision > lastRevision
                                    else {
                                        return false
                                    }
                                    lastRevision = event.revision
                                    expected += 1
                                }
                                if expected == perKey { return true }
                            }
                            return false
                        }
                    }
                }
                await ready.wait(for: watchers)
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<32 {
                        writers.addTask {
                            for round in 0..<perKey {
                                for index in stride(from: writer, to: watchers, by: 32) {
                                    try await etcd.put(EtcdKey(prefix + "\(index)"), value: "\(round)")
                                }
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                var good = 0
                for try await ok in group where ok { good += 1 }
                return good
            }
            #expect(results == watchers)
            try await etcd.delete(.prefix(EtcdKey(prefix)))
        }
    }
}
