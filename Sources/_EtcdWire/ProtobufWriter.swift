/// Appends protobuf-encoded data to a single growing byte buffer.
///
/// The writer has two layers:
/// - value methods (`writeVarint`, `writeTag`, `writeFixed32`, `writeFixed64`, `writeLengthDelimited`)
///   emit one raw wire value;
/// - field methods (`writeInt64(_:field:)`, `writeBytes(_:field:)`, `writeMessage(_:field:)`, ...)
///   emit a tag followed by the value, **unconditionally**. proto3 default-skipping (0, `false`,
///   empty) is the caller's job; generated code does it, and oneof members and repeated elements
///   must be written even when they hold a default value.
///
/// Embedded messages are written by first asking them for their ``ProtobufMessage/serializedSize``,
/// writing that as the length prefix, and then encoding them directly into the same buffer,
/// so no temporary buffers are allocated per field.
package struct ProtobufWriter: Sendable {
    /// The bytes written so far.
    package var bytes: [UInt8]

    /// Creates an empty writer whose buffer has room for `capacity` bytes before reallocating.
    package init(reservingCapacity capacity: Int = 0) {
        bytes = []
        if capacity > 0 {
            bytes.reserveCapacity(capacity)
        }
    }

    // MARK: - Raw values

    /// Appends `value` as a base-128 varint (1 to 10 bytes).
    @inline(__always)
    package mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends a field key made of `fieldNumber` and `wireType`.
    @inline(__always)
    package mutating func writeTag(fieldNumber: Int, wireType: ProtobufWireType) {
        writeVarint(UInt64(truncatingIfNeeded: fieldNumber) << 3 | UInt64(wireType.rawValue))
    }

    /// Appends `value` as four little-endian bytes.
    package mutating func writeFixed32(_ value: UInt32) {
        var v = value
        for _ in 0..<4 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// Appends `value` as eight little-endian bytes.
    package mutating func writeFixed64(_ value: UInt64) {
        var v = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// Appends the varint length of `value` followed by its bytes.
    @inline(__always)
    package mutating func writeLengthDelimited(_ value: [UInt8]) {
        writeVarint(UInt64(truncatingIfNeeded: value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends the varint length of `value` followed by its bytes.
    package mutating func writeLengthDelimited(_ value: ArraySlice<UInt8>) {
        writeVarint(UInt64(truncatingIfNeeded: value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends the varint UTF-8 length of `value` followed by its UTF-8 bytes.
    @inline(__always)
    package mutating func writeLengthDelimited(_ value: String) {
        let utf8 = value.utf8
        writeVarint(UInt64(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }

    // MARK: - Fields (tag + value, always written)

    /// Writes an `int64` field; negative values take 10 bytes.
    @inline(__always)
    package mutating func writeInt64(_ value: Int64, field: Int) {
        writeTag(fieldNumber: field, wireType: .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    /// Writes an `int32` field; negative values are sign-extended to 10 bytes as proto3 requires.
    @inline(__always)
    package mutating func writeInt32(_ value: Int32, field: Int) {
        writeTag(fieldNumber: field, wireType: .varint)
        writeVarint(UInt64(bitPattern: Int64(value)))
    }

    /// Writes a `uint64` field.
    @inline(__always)
    package mutating func writeUInt64(_ value: UInt64, field: Int) {
        writeTag(fieldNumber: field, wireType: .varint)
        writeVarint(value)
    }

    /// Writes a `uint32` field.
    @inline(__always)
    package mutating func writeUInt32(_ value: UInt32, field: Int) {
        writeTag(fieldNumber: field, wireType: .varint)
        writeVarint(UInt64(value))
    }

    /// Writes a `bool` field (`1` for `true`, `0` for `false`).
    @inline(__always)
    package mutating func writeBool(_ value: Bool, field: Int) {
        writeTag(fieldNumber: field, wireType: .varint)
        bytes.append(value ? 1 : 0)
    }

    /// Writes an enum field from its raw value (encoded like `int32`).
    @inline(__always)
    package mutating func writeEnum(_ rawValue: Int32, field: Int) {
        writeInt32(rawValue, field: field)
    }

    /// Writes a `fixed32` field.
    package mutating func writeFixed32(_ value: UInt32, field: Int) {
        writeTag(fieldNumber: field, wireType: .fixed32)
        writeFixed32(value)
    }

    /// Writes a `fixed64` field.
    package mutating func writeFixed64(_ value: UInt64, field: Int) {
        writeTag(fieldNumber: field, wireType: .fixed64)
        writeFixed64(value)
    }

    /// Writes a `bytes` field.
    @inline(__always)
    package mutating func writeBytes(_ value: [UInt8], field: Int) {
        writeTag(fieldNumber: field, wireType: .lengthDelimited)
        writeLengthDelimited(value)
    }

    /// Writes a `string` field as UTF-8.
    @inline(__always)
    package mutating func writeString(_ value: String, field: Int) {
        writeTag(fieldNumber: field, wireType: .lengthDelimited)
        writeLengthDelimited(value)
    }

    /// Writes an embedded message field: tag, `serializedSize` as the length, then the message itself.
    package mutating func writeMessage<Message: ProtobufMessage>(_ value: Message, field: Int) {
        writeTag(fieldNumber: field, wireType: .lengthDelimited)
        writeVarint(UInt64(truncatingIfNeeded: value.serializedSize))
        value.encode(to: &self)
    }
}
