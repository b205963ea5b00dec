import Foundation
import _EtcdWire

/// The result of running protoc once over all golden samples, via the generated
/// `etcdwiregolden.GoldenBatch` message that has one field per sample.
struct GoldenBatch: Sendable {
    /// protoc's encoding of each sample's text, by sample id.
    let protocEncodings: [Int: [UInt8]]
    /// protoc's `--decode` text of its own encoding, by sample id.
    let protocDecodeOfProtoc: [Int: String]
    /// protoc's `--decode` text of our encoding, by sample id.
    let protocDecodeOfOurs: [Int: String]

    /// Computed once per test process (two protoc runs in total: encode, decode ×2).
    static let shared: Result<GoldenBatch, any Error> = Result { try GoldenBatch.compute() }

    private static func compute() throws -> GoldenBatch {
        try Protoc.checkAvailable()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("etcd-wire-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try GoldenSample.batchProto.write(
            to: directory.appendingPathComponent("golden_batch.proto"),
            atomically: true,
            encoding: .utf8
        )
        let samples = GoldenSample.all
        let text = samples.map { "s\($0.id) { \($0.text) }" }.joined(separator: "\n")
        let typeArguments = ["etcdwiregolden.GoldenBatch", "golden_batch.proto"]
        let protocBytes = try Protoc.run(
            ["--encode=\(typeArguments[0])", typeArguments[1]],
            input: Array(text.utf8),
            extraIncludes: [directory.path]
        )

        var protocEncodings: [Int: [UInt8]] = [:]
        var reader = ProtobufReader(bytes: protocBytes)
        while let tag = try reader.readTag() {
            protocEncodings[tag.fieldNumber] = Array(try reader.readLengthDelimitedSlice())
        }

        var ours = ProtobufWriter()
        for sample in samples {
            ours.writeBytes(sample.encoded(), field: sample.id)
        }
        let decodeOfProtoc = try Protoc.run(
            ["--decode=\(typeArguments[0])", typeArguments[1]],
            input: protocBytes,
            extraIncludes: [directory.path]
        )
        let decodeOfOurs = try Protoc.run(
            ["--decode=\(typeArguments[0])", typeArguments[1]],
            input: ours.bytes,
            extraIncludes: [directory.path]
        )
        return GoldenBatch(
            protocEncodings: protocEncodings,
            protocDecodeOfProtoc: splitBlocks(String(decoding: decodeOfProtoc, as: UTF8.self)),
            protocDecodeOfOurs: splitBlocks(String(decoding: decodeOfOurs, as: UTF8.self))
        )
    }

    /// Splits protoc's text output `s12 {\n  ...\n}\n` into the bodies of the top-level blocks, by id.
    private static func splitBlocks(_ text: String) -> [Int: String] {
        var blocks: [Int: String] = [:]
        var current: Int?
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("s"), line.hasSuffix(" {"),
                let id = Int(line.dropFirst().dropLast(2))
            {
                current = id
                lines = []
            } else if let id = current, line == "}" {
                blocks[id] = lines.joined(separator: "\n")
                current = nil
            } else if current != nil {
                lines.append(line)
            }
        }
        return blocks
    }
}
