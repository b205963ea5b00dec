/// An etcd key: a sequence of bytes, usually UTF-8 text.
///
/// Keys compare by their bytes, as etcd orders them. Write a key as a string literal
/// (`"config/feature-x"`), from a string, or from raw bytes.
public struct EtcdKey: Hashable, Comparable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The key's bytes.
    public var bytes: [UInt8]

    /// Creates a key from raw bytes.
    public init(bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// Creates a key from the UTF-8 bytes of `string`.
    public init(_ string: some StringProtocol) {
        self.bytes = Array(string.utf8)
    }

    /// Creates a key from a string literal.
    public init(stringLiteral value: String) {
        self.bytes = Array(value.utf8)
    }

    /// The key as text, or `nil` when its bytes are not valid UTF-8.
    public var stringValue: String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// Orders keys by their bytes, as etcd does.
    public static func < (lhs: EtcdKey, rhs: EtcdKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// The key as text when it is printable UTF-8; otherwise with `\xNN` escapes for the other bytes.
    public var description: String {
        if let text = stringValue, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return text
        }
        var out = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
