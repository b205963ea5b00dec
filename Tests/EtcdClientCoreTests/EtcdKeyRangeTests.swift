import EtcdClientCore
import Testing

@Suite("EtcdKeyRange")
struct EtcdKeyRangeTests {
    @Test(
        "a prefix's range end is the smallest key after every key with that prefix",
        arguments: [
            ([UInt8]("a".utf8), [UInt8]("b".utf8)),
            ([UInt8]("config/".utf8), [UInt8]("config0".utf8)),
            ([0x61, 0x00], [0x61, 0x01]),
            ([0x00], [0x01]),
            ([0x61, 0xFE], [0x61, 0xFF]),
            ([0x61, 0xFF], [0x62]),
            ([0x61, 0xFF, 0xFF], [0x62]),
            ([0x61, 0xFE, 0xFF], [0x61, 0xFF]),
            ([0xFE, 0xFF, 0xFF, 0xFF], [0xFF]),
        ] as [([UInt8], [UInt8])]
    )
    func prefixEnd(prefix: [UInt8], expectedEnd: [UInt8]) {
        let range = EtcdKeyRange.prefix(EtcdKey(bytes: prefix))
        #expect(range.start == prefix)
        #expect(range.end == expectedEnd)
    }

    @Test("a prefix of only 0xFF bytes reads to the end of the key space", arguments: [1, 2, 5])
    func allFFPrefix(length: Int) {
        let prefix = [UInt8](repeating: 0xFF, count: length)
        let range = EtcdKeyRange.prefix(EtcdKey(bytes: prefix))
        #expect(range.start == prefix)
        #expect(range.end == [0])
    }

    @Test("an empty prefix covers every key")
    func emptyPrefix() {
        let range = EtcdKeyRange.prefix("")
        #expect(range.start == [0])
        #expect(range.end == [0])
        #expect(range == .all)
    }

    @Test("every key with the prefix is inside the range, and the next keys are not")
    func prefixContainment() {
        let prefix: [UInt8] = [0x61, 0xFF]
        let range = EtcdKeyRange.prefix(EtcdKey(bytes: prefix))
        func inRange(_ key: [UInt8]) -> Bool {
            !key.lexicographicallyPrecedes(range.start) && key.lexicographicallyPrecedes(range.end)
        }
        #expect(inRange(prefix))
        #expect(inRange(prefix + [0x00]))
        #expect(inRange(prefix + [0xFF, 0xFF, 0xFF]))
        #expect(!inRange([0x61, 0xFE, 0xFF]))
        #expect(!inRange([0x62]))
    }

    @Test("a single key has an empty range end")
    func singleKey() {
        let range = EtcdKeyRange.key("config/a")
        #expect(range.start == Array("config/a".utf8))
        #expect(range.end == [])
    }

    @Test("from a key reads to the end of the key space")
    func fromKey() {
        let range = EtcdKeyRange.from("m")
        #expect(range.start == Array("m".utf8))
        #expect(range.end == [0])
    }

    @Test("from the empty key covers every key")
    func fromEmptyKey() {
        let range = EtcdKeyRange.from("")
        #expect(range.start == [0])
        #expect(range.end == [0])
        #expect(range == .all)
    }

    @Test("a range keeps its bounds as given")
    func halfOpenRange() {
        let range = EtcdKeyRange.range(from: "a", to: "m")
        #expect(range.start == Array("a".utf8))
        #expect(range.end == Array("m".utf8))
    }

    // etcd rejects an empty `key` with "etcdserver: key is not provided"; `.from("")` and `.prefix("")`
    // already send [0] for it, so a range from the empty key should too.
    @Test("a range from the empty key starts at the first possible key")
    func rangeFromEmptyKey() {
        let range = EtcdKeyRange.range(from: "", to: "m")
        #expect(range.start == [0])
        #expect(range.end == Array("m".utf8))
    }

    @Test("all keys is [0] to [0]")
    func allKeys() {
        #expect(EtcdKeyRange.all.start == [0])
        #expect(EtcdKeyRange.all.end == [0])
    }

    @Test(
        "descriptions name the kind of range and show keys",
        arguments: [
            (EtcdKeyRange.key("a"), "key a"),
            (.prefix("config/"), "prefix config/"),
            (.prefix(EtcdKey(bytes: [0x61, 0xFF])), "prefix a\\xff"),
            (.from("m"), "keys from m"),
            (.from(""), "all keys"),
            (.all, "all keys"),
            (.prefix(""), "all keys"),
            (.range(from: "a", to: "m"), "keys from a to m"),
            (.key(EtcdKey(bytes: [0x00, 0x0A])), "key \\x00\\x0a"),
        ]
    )
    func description(range: EtcdKeyRange, expected: String) {
        #expect(range.description == expected)
    }

    @Test("an empty upper bound reads to the end of the key space, never just the lower bound")
    func emptyUpperBound() {
        let range = EtcdKeyRange.range(from: "a", to: "")
        #expect(range.start == Array("a".utf8))
        #expect(range.end == [0])
        #expect(range == .from("a"))
        #expect(EtcdKeyRange.range(from: "", to: "") == .all)
    }
}
