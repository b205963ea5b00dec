import Testing
import _EtcdWire

@Suite("Golden encodings against protoc")
struct GoldenTests {
    @Test("our encoding equals protoc --encode byte for byte", arguments: GoldenSample.all)
    func encodingMatchesProtoc(sample: GoldenSample) throws {
        let batch = try GoldenBatch.shared.get()
        let expected = try #require(batch.protocEncodings[sample.id], "protoc produced no bytes for \(sample.name)")
        #expect(sample.encoded() == expected)
        #expect(sample.serializedSize() == expected.count)
    }

    @Test("protoc --decode of our encoding equals protoc's decode of its own", arguments: GoldenSample.all)
    func protocDecodesOurEncoding(sample: GoldenSample) throws {
        let batch = try GoldenBatch.shared.get()
        let theirs = try #require(batch.protocDecodeOfProtoc[sample.id])
        let ours = try #require(batch.protocDecodeOfOurs[sample.id])
        #expect(ours == theirs)
    }

    @Test("decoding protoc's encoding yields the sample", arguments: GoldenSample.all)
    func decodesProtocEncoding(sample: GoldenSample) throws {
        let batch = try GoldenBatch.shared.get()
        let bytes = try #require(batch.protocEncodings[sample.id])
        #expect(try sample.decodesToValue(bytes))
    }

    @Test("every message type has golden samples")
    func everyMessageTypeIsCovered() {
        let covered = Set(GoldenSample.all.map(\.protoType))
        for (name, _) in GoldenSample.allMessageTypes {
            #expect(covered.contains(name), "no golden sample for \(name)")
        }
    }

    @Test("a 1 MiB bytes value matches protoc in both directions")
    func largeValue() throws {
        let value = (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0) }
        var request = EtcdserverPB.PutRequest()
        request.key = Array("large".utf8)
        request.value = value
        request.lease = -1
        var text = "key: \"large\" value: \""
        text.reserveCapacity(4 * value.count + 64)
        for byte in value {
            text += octalEscape(byte)
        }
        text += "\" lease: -1"
        let expected = try Protoc.encode(text, type: "etcdserverpb.PutRequest")
        let ours = request.serializedBytes()
        #expect(ours.count == expected.count)
        #expect(ours == expected)
        #expect(try EtcdserverPB.PutRequest(serializedBytes: expected) == request)
        let theirText = try Protoc.decode(expected, type: "etcdserverpb.PutRequest")
        let ourText = try Protoc.decode(ours, type: "etcdserverpb.PutRequest")
        #expect(ourText == theirText)
    }

    @Test("explicitly empty bytes and strings are not written, like protoc")
    func emptyValuesAreOmitted() throws {
        var put = EtcdserverPB.PutRequest()
        put.key = []
        put.value = []
        #expect(put.serializedBytes().isEmpty)
        #expect(
            try Protoc.encode("key: \"\" value: \"\" lease: 0 prev_kv: false", type: "etcdserverpb.PutRequest").isEmpty
        )

        var auth = EtcdserverPB.AuthenticateRequest()
        auth.name = ""
        #expect(auth.serializedBytes().isEmpty)

        // A repeated empty element and a oneof member with an empty value are still written.
        var lease = EtcdserverPB.LeaseTimeToLiveResponse()
        lease.keys = [[], []]
        var compare = EtcdserverPB.Compare()
        compare.targetUnion = .value([])
        #expect(lease.serializedBytes() == [0x2A, 0x00, 0x2A, 0x00])
        #expect(
            lease.serializedBytes()
                == (try Protoc.encode("keys: \"\" keys: \"\"", type: "etcdserverpb.LeaseTimeToLiveResponse"))
        )
        #expect(compare.serializedBytes() == [0x3A, 0x00])
        #expect(compare.serializedBytes() == (try Protoc.encode("value: \"\"", type: "etcdserverpb.Compare")))
    }

    private func octalEscape(_ byte: UInt8) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7"]
        return "\\" + String([digits[Int(byte >> 6)], digits[Int((byte >> 3) & 7)], digits[Int(byte & 7)]])
    }
}
