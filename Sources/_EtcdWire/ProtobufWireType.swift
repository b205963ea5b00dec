/// The wire type stored in the low three bits of every protobuf field tag.
///
/// Wire types 3 and 4 (groups) are representable so that they can be reported and
/// rejected precisely; wire types 6 and 7 do not exist and are rejected when a tag is read.
package enum ProtobufWireType: UInt8, Sendable, Hashable {
    /// Wire type 0: a base-128 varint (`int32`, `int64`, `uint32`, `uint64`, `bool`, enums).
    case varint = 0
    /// Wire type 1: eight little-endian bytes (`fixed64`, `sfixed64`, `double`).
    case fixed64 = 1
    /// Wire type 2: a varint length followed by that many bytes
    /// (`string`, `bytes`, embedded messages, packed repeated scalars).
    case lengthDelimited = 2
    /// Wire type 3: start of a (deprecated) group. Not supported; decoding throws.
    case startGroup = 3
    /// Wire type 4: end of a (deprecated) group. Not supported; decoding throws.
    case endGroup = 4
    /// Wire type 5: four little-endian bytes (`fixed32`, `sfixed32`, `float`).
    case fixed32 = 5
}
