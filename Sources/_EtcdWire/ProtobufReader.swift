/// Reads protobuf wire data from a byte buffer.
///
/// The reader never traps on malformed input: every read validates against the end of its
/// range and throws ``ProtobufDecodingError`` instead. Embedded messages are read through a
/// child reader (``readLengthDelimitedReader()``) that shares the same storage (no copy) and
/// tracks the nesting depth, which is limited to ``maximumDepth``.
package struct ProtobufReader: Sendable {
    /// The maximum nesting depth of embedded messages (the same default as the reference implementation).
    package static let maximumDepth = 100

    /// The underlying storage; only `position..<end` is still to be read.
    private var buffer: ArraySlice<UInt8>
    /// Index (in `buffer`'s index space) of the next byte to read.
    private var position: Int
    /// Index one past the last byte this reader may read.
    private let end: Int
    /// How many length-delimited levels this reader is nested below the top-level reader.
    package let depth: Int

    /// Creates a reader over all of `bytes`.
    package init(bytes: [UInt8]) {
        self.init(bytes: bytes[...])
    }

    /// Creates a reader over all of `bytes`.
    package init(bytes: ArraySlice<UInt8>) {
        buffer = bytes
        position = bytes.startIndex
        end = bytes.endIndex
        depth = 0
    }

    private init(buffer: ArraySlice<UInt8>, position: Int, end: Int, depth: Int) {
        self.buffer = buffer
        self.position = position
        self.end = end
        self.depth = depth
    }

    /// `true` when every byte of the reader's range has been consumed.
    package var isAtEnd: Bool { position >= end }

    /// The number of bytes left to read.
    package var remainingCount: Int { end &- position }

    // MARK: - Raw values

    /// Reads a base-128 varint of at most 10 bytes.
    ///
    /// - Throws: ``ProtobufDecodingError/truncated`` if the input ends inside the varint,
    ///   ``ProtobufDecodingError/malformedVarint`` if it is longer than 10 bytes.
    @inline(__always)
    package mutating func readVarint() throws(ProtobufDecodingError) -> UInt64 {
        // Fast path: single-byte varint.
        guard position < end else { throw .truncated }
        let first = buffer[position]
        if first < 0x80 {
            position &+= 1
            return UInt64(first)
        }
        return try readVarintSlow()
    }

    private mutating func readVarintSlow() throws(ProtobufDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = position
        for _ in 0..<10 {
            guard index < end else { throw .truncated }
            let byte = buffer[index]
            index &+= 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                position = index
                return result
            }
            shift &+= 7
        }
        throw .malformedVarint
    }

    /// Reads a field key.
    ///
    /// - Returns: the tag, or `nil` when the reader is at its end.
    /// - Throws: ``ProtobufDecodingError/invalidFieldNumber`` for field number 0 or above 2^29 - 1,
    ///   ``ProtobufDecodingError/invalidWireType(_:)`` for wire types 6 and 7.
    @inline(__always)
    package mutating func readTag() throws(ProtobufDecodingError) -> ProtobufTag? {
        if position >= end { return nil }
        let key = try readVarint()
        let fieldNumber = key >> 3
        guard fieldNumber >= 1, fieldNumber <= UInt64(ProtobufTag.maximumFieldNumber) else {
            throw .invalidFieldNumber
        }
        let rawWireType = UInt8(truncatingIfNeeded: key & 7)
        guard let wireType = ProtobufWireType(rawValue: rawWireType) else {
            throw .invalidWireType(rawWireType)
        }
        return ProtobufTag(fieldNumber: Int(truncatingIfNeeded: fieldNumber), wireType: wireType)
    }

    /// Reads four little-endian bytes.
    package mutating func readFixed32() throws(ProtobufDecodingError) -> UInt32 {
        guard end &- position >= 4 else { throw .truncated }
        var value: UInt32 = 0
        for i in 0..<4 {
            value |= UInt32(buffer[position &+ i]) << UInt32(i &* 8)
        }
        position &+= 4
        return value
    }

    /// Reads eight little-endian bytes.
    package mutating func readFixed64() throws(ProtobufDecodingError) -> UInt64 {
        guard end &- position >= 8 else { throw .truncated }
        var value: UInt64 = 0
        for i in 0..<8 {
            value |= UInt64(buffer[position &+ i]) << UInt64(i &* 8)
        }
        position &+= 8
        return value
    }

    /// Reads a varint length and returns the index range of the payload that follows, advancing past it.
    ///
    /// - Throws: ``ProtobufDecodingError/truncated`` if the length points past the end of the reader.
    @inline(__always)
    package mutating func readLengthDelimitedRange() throws(ProtobufDecodingError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end &- position) else { throw .truncated }
        let start = position
        position = start &+ Int(truncatingIfNeeded: length)
        return start..<position
    }

    /// Reads a length-delimited payload as a slice that shares the reader's storage (no copy).
    package mutating func readLengthDelimitedSlice() throws(ProtobufDecodingError) -> ArraySlice<UInt8> {
        let range = try readLengthDelimitedRange()
        return buffer[range]
    }

    /// Reads a length-delimited payload and returns a child reader limited to it, one level deeper.
    ///
    /// Used for embedded messages and packed repeated fields.
    /// - Throws: ``ProtobufDecodingError/nestingTooDeep`` beyond ``maximumDepth`` levels.
    package mutating func readLengthDelimitedReader() throws(ProtobufDecodingError) -> ProtobufReader {
        guard depth < Self.maximumDepth else { throw .nestingTooDeep }
        let range = try readLengthDelimitedRange()
        return ProtobufReader(buffer: buffer, position: range.lowerBound, end: range.upperBound, depth: depth &+ 1)
    }

    // MARK: - Typed values (wire type already checked by the caller)

    /// Reads an `int64` varint.
    @inline(__always)
    package mutating func readInt64() throws(ProtobufDecodingError) -> Int64 {
        Int64(bitPattern: try readVarint())
    }

    /// Reads an `int32` varint (the low 32 bits of the varint, as protobuf specifies).
    @inline(__always)
    package mutating func readInt32() throws(ProtobufDecodingError) -> Int32 {
        Int32(truncatingIfNeeded: try readVarint())
    }

    /// Reads a `uint64` varint.
    @inline(__always)
    package mutating func readUInt64() throws(ProtobufDecodingError) -> UInt64 {
        try readVarint()
    }

    /// Reads a `uint32` varint (the low 32 bits of the varint).
    @inline(__always)
    package mutating func readUInt32() throws(ProtobufDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readVarint())
    }

    /// Reads a `bool` varint (any non-zero value is `true`).
    @inline(__always)
    package mutating func readBool() throws(ProtobufDecodingError) -> Bool {
        try readVarint() != 0
    }

    /// Reads an enum raw value (encoded like `int32`).
    @inline(__always)
    package mutating func readEnum() throws(ProtobufDecodingError) -> Int32 {
        try readInt32()
    }

    /// Reads a length-delimited `bytes` value into a new array.
    @inline(__always)
    package mutating func readBytes() throws(ProtobufDecodingError) -> [UInt8] {
        let range = try readLengthDelimitedRange()
        if range.isEmpty { return [] }
        return Array(buffer[range])
    }

    /// Reads a length-delimited `string` value, validating UTF-8.
    ///
    /// - Parameter fieldNumber: reported in ``ProtobufDecodingError/invalidUTF8(fieldNumber:)``.
    @inline(__always)
    package mutating func readString(fieldNumber: Int) throws(ProtobufDecodingError) -> String {
        let range = try readLengthDelimitedRange()
        if range.isEmpty { return "" }
        guard let string = String(validating: buffer[range], as: UTF8.self) else {
            throw .invalidUTF8(fieldNumber: fieldNumber)
        }
        return string
    }

    // MARK: - Field helpers

    /// Throws ``ProtobufDecodingError/unexpectedWireType(fieldNumber:wireType:)`` unless `tag` has `wireType`.
    @inline(__always)
    package func expect(_ tag: ProtobufTag, _ wireType: ProtobufWireType) throws(ProtobufDecodingError) {
        guard tag.wireType == wireType else {
            throw .unexpectedWireType(fieldNumber: tag.fieldNumber, wireType: tag.wireType)
        }
    }

    /// Skips the value of a field whose tag has just been read (used for unknown fields).
    ///
    /// - Throws: ``ProtobufDecodingError/invalidWireType(_:)`` for group wire types 3 and 4,
    ///   or a truncation error when the value runs past the end.
    package mutating func skipField(_ tag: ProtobufTag) throws(ProtobufDecodingError) {
        try skipField(wireType: tag.wireType)
    }

    /// Skips one value of the given wire type.
    ///
    /// - Throws: ``ProtobufDecodingError/invalidWireType(_:)`` for group wire types 3 and 4,
    ///   or a truncation error when the value runs past the end.
    package mutating func skipField(wireType: ProtobufWireType) throws(ProtobufDecodingError) {
        switch wireType {
        case .varint:
            _ = try readVarint()
        case .fixed64:
            guard end &- position >= 8 else { throw .truncated }
            position &+= 8
        case .lengthDelimited:
            _ = try readLengthDelimitedRange()
        case .fixed32:
            guard end &- position >= 4 else { throw .truncated }
            position &+= 4
        case .startGroup, .endGroup:
            throw .invalidWireType(wireType.rawValue)
        }
    }

    /// Reads an embedded message (length-delimited) and merges it into `message`.
    package mutating func mergeMessage<Message: ProtobufMessage>(
        into message: inout Message
    ) throws(ProtobufDecodingError) {
        var child = try readLengthDelimitedReader()
        try message.merge(from: &child)
    }

    /// Reads an embedded message (length-delimited) into a new value.
    package mutating func readMessage<Message: ProtobufMessage>(
        _ type: Message.Type = Message.self
    ) throws(ProtobufDecodingError) -> Message {
        var child = try readLengthDelimitedReader()
        var message = Message()
        try message.merge(from: &child)
        return message
    }
}
