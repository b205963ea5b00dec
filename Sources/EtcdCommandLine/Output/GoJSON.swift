/// A JSON value written as Go's `encoding/json` writes it: object fields in the order given, `[]byte` as
/// standard base64, `<`, `>` and `&` escaped, and no spaces.
indirect enum GoJSON: Sendable {
    case object([(String, GoJSON)])
    case array([GoJSON])
    case string(String)
    case bytes([UInt8])
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case null

    /// Whether `omitempty` leaves the value out: false, 0, an empty string, array or byte string, or null.
    var isEmpty: Bool {
        switch self {
        case .object: false
        case .array(let items): items.isEmpty
        case .string(let text): text.isEmpty
        case .bytes(let bytes): bytes.isEmpty
        case .int(let value): value == 0
        case .uint(let value): value == 0
        case .bool(let value): !value
        case .null: true
        }
    }

    /// The text.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .object(let fields):
            out += "{"
            for (index, (name, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(name, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .string(let text): Self.writeString(text, to: &out)
        case .bytes(let bytes): out += "\"" + Base64.encode(bytes) + "\""
        case .int(let value): out += String(value)
        case .uint(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + GoText.hex(UInt64(scalar.value), width: 4)
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + GoText.hex(UInt64(scalar.value), width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Builds a JSON object field by field, leaving out `omitempty` fields that are empty.
struct GoJSONObject {
    private(set) var fields: [(String, GoJSON)] = []

    /// Adds a field; with `omitEmpty`, only when the value is not empty.
    mutating func add(_ name: String, _ value: GoJSON, omitEmpty: Bool = true) {
        if omitEmpty && value.isEmpty { return }
        fields.append((name, value))
    }

    /// Adds every field of `other` (an embedded struct).
    mutating func embed(_ other: GoJSONObject) {
        fields += other.fields
    }

    /// The object.
    var json: GoJSON { .object(fields) }
}

/// Standard base64 with padding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` in base64.
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            let second = index + 1 < bytes.count ? bytes[index + 1] : 0
            let third = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(first >> 2)])
            out.append(alphabet[Int((first & 0x03) << 4 | second >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((second & 0x0F) << 2 | third >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(third & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
