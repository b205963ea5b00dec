/// Text formatting as Go's standard library does it, so that output matches etcdctl's byte for byte.
enum GoText {
    /// `strconv.Quote`: a double-quoted Go string literal of `bytes` (invalid UTF-8 as `\x` escapes).
    static func quote(_ bytes: [UInt8]) -> String {
        var out = "\""
        var index = 0
        while index < bytes.count {
            guard let (scalar, length) = decodeScalar(bytes, at: index) else {
                out += "\\x" + hex(bytes[index], width: 2)
                index += 1
                continue
            }
            index += length
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(UInt64(scalar.value), width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(UInt64(scalar.value), width: 4)
                } else {
                    out += "\\U" + hex(UInt64(scalar.value), width: 8)
                }
            }
        }
        return out + "\""
    }

    /// `strconv.Quote` of text.
    static func quote(_ text: String) -> String { quote(Array(text.utf8)) }

    /// Lower-case hexadecimal, zero-padded to `width` digits (`%0Nx`).
    static func hex(_ value: some BinaryInteger, width: Int = 0) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }

    /// Lower-case hexadecimal, space-padded on the left to `width` (`%Nx`).
    static func spacePaddedHex(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: " ", count: Swift.max(0, width - digits.count)) + digits
    }

    /// `humanize.Bytes`: a size in SI units, such as `20 kB` or `1.2 MB`.
    static func humanBytes(_ size: Int64) -> String {
        let sizes = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        guard size >= 10 else { return "\(size) B" }
        var exponent = 0
        var scaled = Double(size)
        while scaled >= 1000 && exponent < sizes.count - 1 {
            scaled /= 1000
            exponent += 1
        }
        let value = (scaled * 10 + 0.5).rounded(.down) / 10
        // Go's %.0f rounds half to even.
        return value < 10
            ? "\(formatted(value, decimals: 1)) \(sizes[exponent])"
            : "\(Int(value.rounded(.toNearestOrEven))) \(sizes[exponent])"
    }

    /// A Go `time.Duration` printed with `%v`, such as `1.234567ms` or `2.5s`.
    static func duration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        let magnitude = UInt64(nanoseconds.magnitude)
        var text: String
        if magnitude < 1_000 {
            text = "\(magnitude)ns"
        } else if magnitude < 1_000_000 {
            text = decimal(magnitude, scale: 1_000) + "µs"
        } else if magnitude < 1_000_000_000 {
            text = decimal(magnitude, scale: 1_000_000) + "ms"
        } else {
            var seconds = magnitude / 1_000_000_000
            let fraction = magnitude % 1_000_000_000
            let hours = seconds / 3600
            seconds %= 3600
            let minutes = seconds / 60
            seconds %= 60
            let secondText = decimal(seconds * 1_000_000_000 + fraction, scale: 1_000_000_000) + "s"
            text = (hours > 0 ? "\(hours)h\(minutes)m" : minutes > 0 ? "\(minutes)m" : "") + secondText
        }
        return (negative ? "-" : "") + text
    }

    /// `value / scale` with as many decimals as needed and no trailing zeros.
    private static func decimal(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale
        var fraction = value % scale
        guard fraction > 0 else { return "\(whole)" }
        var digits = String(scale).count - 1
        var fractionText = String(fraction)
        fractionText = String(repeating: "0", count: digits - fractionText.count) + fractionText
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
            fractionText.removeLast()
        }
        return "\(whole).\(fractionText)"
    }

    private static func formatted(_ value: Double, decimals: Int) -> String {
        let scale = 10.0
        let rounded = (value * scale).rounded() / scale
        let whole = Int(rounded)
        let tenth = Int(((rounded - Double(whole)) * scale).rounded())
        return "\(whole).\(tenth)"
    }

    /// The scalar starting at `index` and its length in bytes, or `nil` for bytes that are not UTF-8 there.
    private static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let first = bytes[index]
        if first < 0x80 { return (Unicode.Scalar(first), 1) }
        let length: Int
        let initial: UInt32
        switch first {
        case 0xC2...0xDF: (length, initial) = (2, UInt32(first & 0x1F))
        case 0xE0...0xEF: (length, initial) = (3, UInt32(first & 0x0F))
        case 0xF0...0xF4: (length, initial) = (4, UInt32(first & 0x07))
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        var value = initial
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// Go's `unicode.IsPrint`, near enough: graphic characters and the ASCII space.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x20 && scalar.value != 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
