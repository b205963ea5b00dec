/// An error thrown when protobuf bytes cannot be decoded.
///
/// Decoding never traps on malformed input: every problem is reported as one of these cases.
package enum ProtobufDecodingError: Error, Sendable, Hashable {
    /// The input ended in the middle of a tag, a value, or a length-delimited payload.
    case truncated
    /// A varint was longer than 10 bytes.
    case malformedVarint
    /// A tag carried field number 0 or a field number above 2^29 - 1.
    case invalidFieldNumber
    /// A tag carried wire type 6 or 7, or a group wire type (3 or 4), which proto3 does not use.
    case invalidWireType(UInt8)
    /// A known field arrived with a wire type that does not match its declared type.
    case unexpectedWireType(fieldNumber: Int, wireType: ProtobufWireType)
    /// A `string` field did not contain valid UTF-8.
    case invalidUTF8(fieldNumber: Int)
    /// Embedded messages were nested deeper than ``ProtobufReader/maximumDepth``.
    case nestingTooDeep
}
