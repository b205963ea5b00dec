import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdWire

@Suite("Robustness of decoding")
struct RobustnessTests {
    @Test("every truncated prefix decodes or throws", arguments: GoldenSample.all)
    func truncatedPrefixes(sample: GoldenSample) {
        let bytes = sample.encoded()
        for length in 0..<bytes.count {
            _ = try? sample.decode(Array(bytes[0..<length]))
        }
    }

    @Test("random garbage never crashes")
    func randomGarbage() {
        var random = SplitMix64(seed: 0x5EED_E7CD)
        var inputs = 0
        var thrown = 0
        for (_, type) in GoldenSample.allMessageTypes {
            for _ in 0..<40 {
                let count = Int.random(in: 0...64, using: &random)
                let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                inputs += 1
                do {
                    _ = try type.init(serializedBytes: bytes)
                } catch {
                    thrown += 1
                }
            }
        }
        #expect(inputs > 4000)
        #expect(thrown > 0)
    }

    @Test("random mutations of golden encodings never crash", arguments: GoldenSample.all)
    func mutations(sample: GoldenSample) {
        var random = SplitMix64(seed: UInt64(sample.id))
        let bytes = sample.encoded()
        guard !bytes.isEmpty else { return }
        for _ in 0..<20 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<mutated.count, using: &random)
                mutated[index] = UInt8.random(in: 0...255, using: &random)
            }
            _ = try? sample.decode(mutated)
        }
    }

    @Test("unknown fields of wire types 0, 1, 2 and 5 are skipped", arguments: GoldenSample.all)
    func unknownFieldsAreSkipped(sample: GoldenSample) throws {
        var unknown = ProtobufWriter()
        unknown.writeUInt64(UInt64.max, field: 1000)  // wire type 0
        unknown.writeFixed64(0x0102_0304_0506_0708, field: 1001)  // wire type 1
        unknown.writeBytes([1, 2, 3], field: 1002)  // wire type 2
        unknown.writeFixed32(0xDEAD_BEEF, field: 1003)  // wire type 5
        unknown.writeBytes([], field: 536_870_911)  // largest field number
        let bytes = unknown.bytes + sample.encoded() + unknown.bytes
        #expect(try sample.decodesToValue(bytes))
    }

    @Test("a varint longer than 10 bytes throws")
    func overlongVarint() {
        let bytes: [UInt8] = [0x18] + Array(repeating: 0xFF, count: 10) + [0x01]
        #expect(throws: ProtobufDecodingError.malformedVarint) {
            try EtcdserverPB.PutRequest(serializedBytes: bytes)
        }
        // A 10-byte varint is fine (this is -1).
        let minusOne: [UInt8] = [0x18] + Array(repeating: 0xFF, count: 9) + [0x01]
        #expect((try? EtcdserverPB.PutRequest(serializedBytes: minusOne))?.lease == -1)
    }

    @Test("a length past the end throws")
    func lengthPastEnd() {
        #expect(throws: ProtobufDecodingError.truncated) {
            try EtcdserverPB.PutRequest(serializedBytes: [0x0A, 0x05, 0x61])
        }
        #expect(throws: ProtobufDecodingError.truncated) {
            // Length 2^63: must not overflow.
            try EtcdserverPB.PutRequest(serializedBytes: [
                0x0A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
            ])
        }
        #expect(throws: ProtobufDecodingError.truncated) {
            try EtcdserverPB.PutResponse(serializedBytes: [0x0A, 0x03, 0x08])
        }
        #expect(throws: ProtobufDecodingError.truncated) {
            try EtcdserverPB.PutRequest(serializedBytes: [0x18])
        }
    }

    @Test("invalid UTF-8 in a string field throws")
    func invalidUTF8() {
        #expect(throws: ProtobufDecodingError.invalidUTF8(fieldNumber: 1)) {
            try EtcdserverPB.AuthenticateRequest(serializedBytes: [0x0A, 0x02, 0xC3, 0x28])
        }
        #expect(throws: ProtobufDecodingError.invalidUTF8(fieldNumber: 2)) {
            try EtcdserverPB.AuthUserGetResponse(serializedBytes: [0x12, 0x01, 0xFF])
        }
        // The same bytes are fine in a `bytes` field.
        #expect((try? EtcdserverPB.PutRequest(serializedBytes: [0x0A, 0x02, 0xC3, 0x28]))?.key == [0xC3, 0x28])
    }

    @Test("group and undefined wire types throw")
    func invalidWireTypes() {
        for wireType: UInt8 in [3, 4, 6, 7] {
            #expect(throws: ProtobufDecodingError.invalidWireType(wireType)) {
                try EtcdserverPB.PutRequest(serializedBytes: [(99 << 3 | wireType) & 0x7F | 0x80, 0x06])
            }
        }
    }

    @Test("field number 0 throws")
    func fieldNumberZero() {
        #expect(throws: ProtobufDecodingError.invalidFieldNumber) {
            try EtcdserverPB.PutRequest(serializedBytes: [0x00, 0x00])
        }
    }

    @Test("a known field with the wrong wire type throws")
    func wrongWireType() {
        #expect(throws: ProtobufDecodingError.unexpectedWireType(fieldNumber: 1, wireType: .varint)) {
            try EtcdserverPB.PutRequest(serializedBytes: [0x08, 0x01])
        }
        #expect(throws: ProtobufDecodingError.unexpectedWireType(fieldNumber: 3, wireType: .lengthDelimited)) {
            try EtcdserverPB.PutRequest(serializedBytes: [0x1A, 0x00])
        }
    }

    @Test("nesting deeper than the limit throws instead of overflowing the stack")
    func nestingTooDeep() {
        // RequestOp{request_txn: TxnRequest{success: [RequestOp{...}]}} nested 1,000 times.
        var bytes: [UInt8] = []
        for level in 0..<2_000 {
            var writer = ProtobufWriter(reservingCapacity: bytes.count + 12)
            writer.writeBytes(bytes, field: level % 2 == 0 ? 2 : 4)
            bytes = writer.bytes
        }
        #expect(throws: ProtobufDecodingError.nestingTooDeep) {
            try EtcdserverPB.RequestOp(serializedBytes: bytes)
        }
    }
}
