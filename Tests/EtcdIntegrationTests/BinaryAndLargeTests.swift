import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Binary keys, large values and many concurrent calls", .timeLimit(.minutes(2)))
struct BinaryAndLargeTests {
    @Test("keys with 0x00 and 0xFF bytes, and the prefix of a key ending in 0xFF")
    func binaryKeys() async throws {
        try await SharedEtcd.withClient { etcd in
            let base = Array(SharedEtcd.uniquePrefix("binary").utf8)
            let withZero = EtcdKey(bytes: base + [0x00, 0x01, 0x00])
            let withFF = EtcdKey(bytes: base + [0xFF])
            let withFFChild = EtcdKey(bytes: base + [0xFF, 0x00])
            let withFFFF = EtcdKey(bytes: base + [0xFF, 0xFF, 0x41])
            let after = EtcdKey(bytes: Array(base.dropLast()) + [base.last! + 1])  // just past the prefix
            for key in [withZero, withFF, withFFChild, withFFFF, after] {
                try await etcd.put(key, value: key.bytes)
            }
            #expect(try await etcd.get(withZero)?.value == withZero.bytes)
            #expect(try await etcd.get(withZero)?.key == withZero)

            let underFF = try await etcd.get(.prefix(withFF))
            #expect(underFF.keyValues.map(\.key) == [withFF, withFFChild, withFFFF])
            let underFFFF = try await etcd.get(.prefix(EtcdKey(bytes: base + [0xFF, 0xFF])))
            #expect(underFFFF.keyValues.map(\.key) == [withFFFF])
            let all = try await etcd.get(.prefix(EtcdKey(bytes: base)))
            #expect(all.keyValues.map(\.key) == [withZero, withFF, withFFChild, withFFFF])
            #expect(try await etcd.delete(.prefix(EtcdKey(bytes: base))).deleted == 4)
            #expect(try await etcd.get(after) != nil, "a key just past the prefix is outside it")
            try await etcd.delete(after)
        }
    }

    @Test("a 1 MiB value round-trips byte for byte")
    func oneMebibyteValue() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("large") + "blob")
            let value = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try await etcd.put(key, value: value)
            let read = try #require(try await etcd.get(key))
            #expect(read.value.count == value.count)
            #expect(read.value == value)
            // Several at once on one connection, each bigger than the default 64 KiB HTTP/2 window.
            let prefix = SharedEtcd.uniquePrefix("large-many")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<4 {
                    group.addTask { try await etcd.put(EtcdKey(prefix + "\(index)"), value: value) }
                }
                try await group.waitForAll()
            }
            let many = try await etcd.get(.prefix(EtcdKey(prefix)))
            #expect(many.keyValues.count == 4)
            #expect(many.keyValues.allSatisfy { $0.value == value })
        }
    }

    @Test("10,000 concurrent requests on one connection all succeed with their own answers")
    func tenThousandConcurrent() async throws {
        try await SharedEtcd.withClient { etcd in
            let prefix = SharedEtcd.uniquePrefix("concurrent")
            let count = 10_000
            let revisions = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await etcd.put(EtcdKey(prefix + "\(index)"), value: "value-\(index)").header.revision
                    }
                }
                var revisions: [Int64] = []
                for try await revision in group { revisions.append(revision) }
                return revisions
            }
            #expect(Set(revisions).count == count, "every put got its own revision")
            let reads = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<count {
                    group.addTask { try await etcd.get(EtcdKey(prefix + "\(index)"))?.stringValue == "value-\(index)" }
                }
                var matches = 0
                for try await match in group where match { matches += 1 }
                return matches
            }
            #expect(reads == count)
            #expect(try await etcd.delete(.prefix(EtcdKey(prefix))).deleted == count)
        }
    }
}
