/// Reads a fuzzer's input as a sequence of choices: bytes, small numbers and slices, each taken from the front.
///
/// When the input runs out, every read returns zeros or an empty slice, so that any input, however short, is a
/// complete sequence of choices.
struct FuzzInput {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset >= bytes.count }

    /// The next byte, or 0.
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A number from the next two bytes, big-endian.
    mutating func uint16() -> Int { Int(byte()) << 8 | Int(byte()) }

    /// The next `count` bytes, or as many as remain.
    mutating func slice(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + count)
        guard offset < end else { return [] }
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// Every byte not read yet.
    mutating func rest() -> [UInt8] { slice(bytes.count - offset) }
}
