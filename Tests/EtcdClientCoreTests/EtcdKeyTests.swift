import EtcdClientCore
import Testing

@Suite("EtcdKey")
struct EtcdKeyTests {
    @Test(
        "keys order by unsigned bytes, as etcd does",
        arguments: [
            (EtcdKey("a"), EtcdKey("b")),
            (EtcdKey("a"), EtcdKey("aa")),
            (EtcdKey(""), EtcdKey("a")),
            (EtcdKey(bytes: [0x00]), EtcdKey(bytes: [0x01])),
            (EtcdKey("z"), EtcdKey(bytes: [0xFF])),
            (EtcdKey("Z"), EtcdKey("a")),
            (EtcdKey(bytes: [0x7F]), EtcdKey(bytes: [0x80])),
            (EtcdKey("a/"), EtcdKey("a0")),
            (EtcdKey(bytes: [0x61, 0xFF]), EtcdKey("b")),
        ]
    )
    func ordering(smaller: EtcdKey, larger: EtcdKey) {
        #expect(smaller < larger)
        #expect(!(larger < smaller))
        #expect(smaller != larger)
    }

    @Test("sorting keys matches sorting their bytes lexicographically")
    func sortingMatchesBytes() {
        let keys: [EtcdKey] = [
            EtcdKey(bytes: [0xFF]), "z", "a", "", "aa", EtcdKey(bytes: [0x61, 0x00]), "é", EtcdKey(bytes: [0x80]), "A",
        ]
        let sortedKeys = keys.sorted().map(\.bytes)
        let sortedBytes = keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
        #expect(sortedKeys == sortedBytes)
        #expect(sortedKeys.first == [])
        #expect(sortedKeys.last == [0xFF])
    }

    @Test("equal bytes make equal keys however they were written")
    func equality() {
        let prefix = "config"
        let fromLiteral: EtcdKey = "config/a"
        let fromInterpolation: EtcdKey = "\(prefix)/a"
        let fromString = EtcdKey("config/a")
        let fromSubstring = EtcdKey("xconfig/a".dropFirst())
        let fromBytes = EtcdKey(bytes: Array("config/a".utf8))
        #expect(fromLiteral == fromInterpolation)
        #expect(fromLiteral == fromString)
        #expect(fromLiteral == fromSubstring)
        #expect(fromLiteral == fromBytes)
        #expect(Set([fromLiteral, fromInterpolation, fromBytes]).count == 1)
        #expect(!(fromLiteral < fromBytes))
    }

    @Test("interpolation writes numbers and strings as UTF-8 text")
    func interpolation() {
        let id = 42
        let name = "café"
        let key: EtcdKey = "users/\(id)/\(name)"
        #expect(key.bytes == Array("users/42/café".utf8))
    }

    @Test("a literal is stored as its UTF-8 bytes")
    func literalBytes() {
        let key: EtcdKey = "é"
        #expect(key.bytes == [0xC3, 0xA9])
    }

    @Test("stringValue returns the text of valid UTF-8")
    func stringValueValid() {
        #expect(EtcdKey("config/é").stringValue == "config/é")
        #expect(EtcdKey("").stringValue == "")
        #expect(EtcdKey(bytes: [0x00]).stringValue == "\0")
    }

    @Test(
        "stringValue is nil for bytes that are not UTF-8",
        arguments: [[0xFF], [0x61, 0xC3], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80]] as [[UInt8]]
    )
    func stringValueInvalid(bytes: [UInt8]) {
        #expect(EtcdKey(bytes: bytes).stringValue == nil)
    }

    @Test(
        "description shows printable text as it is and escapes other bytes",
        arguments: [
            (EtcdKey("config/a"), "config/a"),
            (EtcdKey("café"), "café"),
            (EtcdKey(""), ""),
            (EtcdKey(bytes: [0x61, 0xFF]), "a\\xff"),
            (EtcdKey(bytes: [0x00]), "\\x00"),
            (EtcdKey("a\nb"), "a\\x0ab"),
            (EtcdKey("a\tb"), "a\\x09b"),
            (EtcdKey(bytes: [0x61, 0x7F]), "a\\x7f"),
            (EtcdKey(bytes: [0x61, 0x5C, 0xFF]), "a\\x5c\\xff"),
            (EtcdKey(bytes: [0xC3, 0xA9, 0xFF]), "\\xc3\\xa9\\xff"),
        ]
    )
    func description(key: EtcdKey, expected: String) {
        #expect(key.description == expected)
    }

    @Test("an escaped description contains no control characters")
    func escapedDescriptionIsPrintable() {
        let key = EtcdKey(bytes: 0...255)
        let text = key.description
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value >= 0x7F })
    }
}
