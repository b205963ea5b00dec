/// A decoded protobuf field key: the field number and the wire type of the value that follows.
package struct ProtobufTag: Sendable, Hashable {
    /// The field number, in `1...ProtobufTag.maximumFieldNumber`.
    package var fieldNumber: Int
    /// The wire type of the value that follows the tag.
    package var wireType: ProtobufWireType

    /// The largest field number protobuf allows (2^29 - 1).
    package static let maximumFieldNumber = 536_870_911

    /// Creates a tag from a field number and a wire type.
    package init(fieldNumber: Int, wireType: ProtobufWireType) {
        self.fieldNumber = fieldNumber
        self.wireType = wireType
    }
}
