import Testing
import _EtcdWire

/// A type-erased golden sample: one generated message value plus the same value in protobuf
/// text format (see `Generated/GoldenSamples.swift`, produced by `Scripts/generate-messages.py`).
struct GoldenSample: Sendable, CustomTestStringConvertible {
    /// The sample's field number in the generated `etcdwiregolden.GoldenBatch` message.
    let id: Int
    /// Human-readable name, e.g. `etcdserverpb.Compare [full/target_union=lease]`.
    let name: String
    /// The proto full name of the message type, e.g. `etcdserverpb.RangeRequest`.
    let protoType: String
    /// The value in protobuf text format.
    let text: String
    /// Our encoding of the value.
    let encoded: @Sendable () -> [UInt8]
    /// `serializedSize` of the value.
    let serializedSize: @Sendable () -> Int
    /// Decodes `bytes` as the sample's message type and compares the result with the value.
    let decodesToValue: @Sendable ([UInt8]) throws(ProtobufDecodingError) -> Bool
    /// Decodes `bytes` as the sample's message type and discards the result.
    let decode: @Sendable ([UInt8]) throws(ProtobufDecodingError) -> Void

    init<Message: ProtobufMessage>(id: Int, name: String, protoType: String, text: String, value: Message) {
        self.id = id
        self.name = name
        self.protoType = protoType
        self.text = text
        encoded = { value.serializedBytes() }
        serializedSize = { value.serializedSize }
        decodesToValue = { (bytes: [UInt8]) throws(ProtobufDecodingError) -> Bool in
            try Message(serializedBytes: bytes) == value
        }
        decode = { (bytes: [UInt8]) throws(ProtobufDecodingError) in
            _ = try Message(serializedBytes: bytes)
        }
    }

    var testDescription: String { name }
}
