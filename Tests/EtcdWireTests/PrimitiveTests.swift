import Testing
import _EtcdWire

@Suite("Writer and reader primitives")
struct PrimitiveTests {
    static let varintCases: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (1, [0x01]),
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (300, [0xAC, 0x02]),
        (16_383, [0xFF, 0x7F]),
        (16_384, [0x80, 0x80, 0x01]),
        (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test("varints encode, size and decode", arguments: varintCases)
    func varint(value: UInt64, expected: [UInt8]) throws {
        var writer = ProtobufWriter()
        writer.writeVarint(value)
        #expect(writer.bytes == expected)
        #expect(ProtobufSize.varint(value) == expected.count)
        var reader = ProtobufReader(bytes: expected)
        #expect(try reader.readVarint() == value)
        #expect(reader.isAtEnd)
    }

    @Test("negative int32 and int64 take ten bytes")
    func negativeNumbers() throws {
        var writer = ProtobufWriter()
        writer.writeInt32(-1, field: 1)
        writer.writeInt64(-2, field: 2)
        #expect(writer.bytes.count == 22)
        #expect(ProtobufSize.int32(-1) == 10)
        #expect(ProtobufSize.int64(-2) == 10)
        var reader = ProtobufReader(bytes: writer.bytes)
        #expect(try reader.readTag() == ProtobufTag(fieldNumber: 1, wireType: .varint))
        #expect(try reader.readInt32() == -1)
        #expect(try reader.readTag() == ProtobufTag(fieldNumber: 2, wireType: .varint))
        #expect(try reader.readInt64() == -2)
        #expect(try reader.readTag() == nil)
    }

    @Test("fixed-width values are little-endian")
    func fixedWidth() throws {
        var writer = ProtobufWriter()
        writer.writeFixed32(0x0102_0304, field: 1)
        writer.writeFixed64(0x0102_0304_0506_0708, field: 2)
        #expect(writer.bytes == [0x0D, 4, 3, 2, 1, 0x11, 8, 7, 6, 5, 4, 3, 2, 1])
        var reader = ProtobufReader(bytes: writer.bytes)
        _ = try reader.readTag()
        #expect(try reader.readFixed32() == 0x0102_0304)
        _ = try reader.readTag()
        #expect(try reader.readFixed64() == 0x0102_0304_0506_0708)
        var short = ProtobufReader(bytes: [1, 2, 3])
        #expect(throws: ProtobufDecodingError.truncated) { try short.readFixed32() }
    }

    @Test("tags with large field numbers")
    func largeFieldNumbers() throws {
        var writer = ProtobufWriter()
        writer.writeTag(fieldNumber: ProtobufTag.maximumFieldNumber, wireType: .fixed32)
        #expect(writer.bytes.count == ProtobufSize.tag(ProtobufTag.maximumFieldNumber))
        var reader = ProtobufReader(bytes: writer.bytes)
        #expect(try reader.readTag() == ProtobufTag(fieldNumber: ProtobufTag.maximumFieldNumber, wireType: .fixed32))
        // Field number 2^29 is out of range.
        var tooLarge = ProtobufReader(bytes: [0x80, 0x80, 0x80, 0x80, 0x10])
        #expect(throws: ProtobufDecodingError.invalidFieldNumber) { try tooLarge.readTag() }
    }

    @Test("strings are written as UTF-8")
    func strings() throws {
        var writer = ProtobufWriter()
        writer.writeString("é€😀", field: 1)
        #expect(writer.bytes == [0x0A, 9, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80])
        var reader = ProtobufReader(bytes: writer.bytes)
        _ = try reader.readTag()
        #expect(try reader.readString(fieldNumber: 1) == "é€😀")
    }

    @Test("skipField skips each wire type and rejects groups")
    func skipField() throws {
        var reader = ProtobufReader(bytes: [0x96, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0xAA, 0xBB, 1, 2, 3, 4])
        try reader.skipField(wireType: .varint)
        try reader.skipField(wireType: .fixed64)
        try reader.skipField(wireType: .lengthDelimited)
        try reader.skipField(wireType: .fixed32)
        #expect(reader.isAtEnd)
        #expect(throws: ProtobufDecodingError.invalidWireType(3)) { try reader.skipField(wireType: .startGroup) }
        #expect(throws: ProtobufDecodingError.invalidWireType(4)) { try reader.skipField(wireType: .endGroup) }
        var truncated = ProtobufReader(bytes: [1, 2, 3])
        #expect(throws: ProtobufDecodingError.truncated) { try truncated.skipField(wireType: .fixed64) }
    }

    @Test("writeMessage and readMessage")
    func messages() throws {
        var header = EtcdserverPB.ResponseHeader()
        header.revision = 7
        var writer = ProtobufWriter()
        writer.writeMessage(header, field: 1)
        #expect(writer.bytes == [0x0A, 0x02, 0x18, 0x07])
        var reader = ProtobufReader(bytes: writer.bytes)
        _ = try reader.readTag()
        #expect(try reader.readMessage(EtcdserverPB.ResponseHeader.self) == header)
        #expect(reader.isAtEnd)
    }
}

@Suite("Decoding semantics")
struct DecodingSemanticsTests {
    @Test("packed and unpacked repeated enums are both accepted")
    func packedAndUnpacked() throws {
        let unpacked: [UInt8] = [0x28, 0x01, 0x28, 0x00]
        let packed: [UInt8] = [0x2A, 0x02, 0x01, 0x00]
        let expected: [EtcdserverPB.WatchCreateRequest.FilterType] = [.nodelete, .noput]
        #expect(try EtcdserverPB.WatchCreateRequest(serializedBytes: unpacked).filters == expected)
        #expect(try EtcdserverPB.WatchCreateRequest(serializedBytes: packed).filters == expected)
        #expect(try EtcdserverPB.WatchCreateRequest(serializedBytes: packed + unpacked).filters == expected + expected)
        var request = EtcdserverPB.WatchCreateRequest()
        request.filters = expected
        #expect(request.serializedBytes() == packed)
    }

    @Test("unknown enum values are preserved")
    func unknownEnumValues() throws {
        var event = MvccPB.Event()
        event.type = MvccPB.Event.EventType(rawValue: 42)
        let decoded = try MvccPB.Event(serializedBytes: event.serializedBytes())
        #expect(decoded.type.rawValue == 42)
        #expect(decoded.type.description == "UNKNOWN(42)")
        #expect(MvccPB.Event.EventType.delete.description == "DELETE")
    }

    @Test("the last oneof member wins")
    func lastOneofWins() throws {
        var compare = try EtcdserverPB.Compare(serializedBytes: [0x20, 0x05, 0x40, 0x07])
        #expect(compare.targetUnion == .lease(7))
        compare = try EtcdserverPB.Compare(serializedBytes: [0x40, 0x07, 0x3A, 0x01, 0x61])
        #expect(compare.targetUnion == .value([0x61]))
        let op = try EtcdserverPB.RequestOp(serializedBytes: [0x0A, 0x02, 0x18, 0x01, 0x12, 0x02, 0x18, 0x02])
        var put = EtcdserverPB.PutRequest()
        put.lease = 2
        #expect(op.request == .requestPut(put))
    }

    @Test("the same oneof message member twice is merged")
    func oneofMessageMerge() throws {
        let op = try EtcdserverPB.RequestOp(serializedBytes: [0x12, 0x02, 0x18, 0x01, 0x12, 0x02, 0x20, 0x01])
        var put = EtcdserverPB.PutRequest()
        put.lease = 1
        put.prevKv = true
        #expect(op.request == .requestPut(put))
    }

    @Test("a singular message field seen twice is merged; the last scalar wins")
    func singularMerge() throws {
        let response = try EtcdserverPB.PutResponse(serializedBytes: [
            0x0A, 0x02, 0x08, 0x01, 0x0A, 0x04, 0x10, 0x02, 0x08, 0x03,
        ])
        #expect(response.header?.clusterId == 3)
        #expect(response.header?.memberId == 2)
        let request = try EtcdserverPB.PutRequest(serializedBytes: [0x18, 0x01, 0x18, 0x02])
        #expect(request.lease == 2)
    }

    @Test("a present but empty message field is kept")
    func emptyMessagePresence() throws {
        let response = try EtcdserverPB.PutResponse(serializedBytes: [0x0A, 0x00])
        #expect(response.header == EtcdserverPB.ResponseHeader())
        #expect(response.prevKv == nil)
        #expect(response.serializedBytes() == [0x0A, 0x00])
    }
}
