/// Helpers that compute encoded sizes, used by generated `serializedSize` implementations.
///
/// All arithmetic uses wrapping operators; sizes of real messages never come close to `Int.max`.
package enum ProtobufSize {
    /// The number of bytes `value` occupies as a base-128 varint (1...10).
    @inline(__always)
    package static func varint(_ value: UInt64) -> Int {
        // 1 byte per started group of 7 significant bits; 0 needs 1 byte.
        let bits = 64 &- (value | 1).leadingZeroBitCount
        return (bits &+ 6) / 7
    }

    /// The encoded size of an `int64` value (negative values take 10 bytes).
    @inline(__always)
    package static func int64(_ value: Int64) -> Int {
        varint(UInt64(bitPattern: value))
    }

    /// The encoded size of an `int32` or enum value (negative values are sign-extended to 10 bytes).
    @inline(__always)
    package static func int32(_ value: Int32) -> Int {
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// The encoded size of a `uint32` value.
    @inline(__always)
    package static func uint32(_ value: UInt32) -> Int {
        varint(UInt64(value))
    }

    /// The encoded size of a tag with the given field number (the wire type does not affect the size).
    @inline(__always)
    package static func tag(_ fieldNumber: Int) -> Int {
        varint(UInt64(truncatingIfNeeded: fieldNumber) << 3)
    }

    /// The encoded size of a length-delimited payload of `length` bytes, including its length prefix.
    @inline(__always)
    package static func lengthDelimited(_ length: Int) -> Int {
        varint(UInt64(truncatingIfNeeded: length)) &+ length
    }
}
