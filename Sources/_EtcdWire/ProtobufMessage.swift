/// A protobuf message type that can encode itself into a ``ProtobufWriter`` and decode
/// (merge) itself from a ``ProtobufReader``.
///
/// Generated etcd messages conform to this protocol. Encoding follows proto3 and `protoc`:
/// fields in field-number order, scalar fields equal to their default omitted, repeated numeric
/// fields packed. Decoding accepts fields in any order, packed and unpacked repeated numeric
/// fields, skips unknown fields, and lets the last value win for singular scalars while merging
/// repeated occurrences of singular embedded messages.
package protocol ProtobufMessage: Sendable, Equatable {
    /// Creates a message with every field set to its proto3 default.
    init()

    /// The exact number of bytes ``encode(to:)`` appends.
    var serializedSize: Int { get }

    /// Appends the encoding of every non-default field, without a length prefix.
    func encode(to writer: inout ProtobufWriter)

    /// Reads fields until `reader` is at its end and merges them into `self`.
    mutating func merge(from reader: inout ProtobufReader) throws(ProtobufDecodingError)
}

extension ProtobufMessage {
    /// Decodes a message from all remaining bytes of `reader`.
    package init(from reader: inout ProtobufReader) throws(ProtobufDecodingError) {
        self.init()
        try merge(from: &reader)
    }

    /// Decodes a message from `bytes`.
    package init(serializedBytes bytes: [UInt8]) throws(ProtobufDecodingError) {
        var reader = ProtobufReader(bytes: bytes)
        self.init()
        try merge(from: &reader)
    }

    /// Decodes a message from `bytes` (for example a gRPC frame payload sliced out of a larger buffer).
    package init(serializedBytes bytes: ArraySlice<UInt8>) throws(ProtobufDecodingError) {
        var reader = ProtobufReader(bytes: bytes)
        self.init()
        try merge(from: &reader)
    }

    /// Returns the protobuf encoding of the message in an exactly sized array.
    package func serializedBytes() -> [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: serializedSize)
        encode(to: &writer)
        return writer.bytes
    }

    /// Returns the message as one gRPC length-prefixed message: a zero "compressed" flag byte,
    /// the big-endian 32-bit length, then the protobuf encoding, built in a single exactly sized array.
    package func grpcFramedBytes() -> [UInt8] {
        let size = serializedSize
        var writer = ProtobufWriter(reservingCapacity: 5 &+ size)
        let length = UInt32(truncatingIfNeeded: size)
        writer.bytes.append(0)
        writer.bytes.append(UInt8(truncatingIfNeeded: length >> 24))
        writer.bytes.append(UInt8(truncatingIfNeeded: length >> 16))
        writer.bytes.append(UInt8(truncatingIfNeeded: length >> 8))
        writer.bytes.append(UInt8(truncatingIfNeeded: length))
        encode(to: &writer)
        return writer.bytes
    }
}
