/// Reads Go-quoted strings and words from text, as `fmt.Sscanf` with `%q` and `%s` does.
struct GoScanner {
    private let characters: [Character]
    private var index = 0

    init(_ text: String) {
        characters = Array(text)
    }

    private mutating func skipSpaces() {
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
    }

    /// The next word (up to a space).
    mutating func word() -> String? {
        skipSpaces()
        let start = index
        while index < characters.count, characters[index] != " ", characters[index] != "\t" { index += 1 }
        return index > start ? String(characters[start..<index]) : nil
    }

    /// `text` next (after spaces), consumed.
    mutating func literal(_ text: String) -> Bool {
        skipSpaces()
        for character in text {
            guard index < characters.count, characters[index] == character else { return false }
            index += 1
        }
        return true
    }

    /// The next double-quoted (with Go escapes) or back-quoted string, unquoted.
    mutating func quoted() -> String? {
        skipSpaces()
        guard index < characters.count else { return nil }
        let quote = characters[index]
        guard quote == "\"" || quote == "`" else { return nil }
        index += 1
        var out = ""
        while index < characters.count {
            let character = characters[index]
            index += 1
            if character == quote { return out }
            if quote == "`" || character != "\\" {
                out.append(character)
                continue
            }
            guard index < characters.count else { return nil }
            let escape = characters[index]
            index += 1
            switch escape {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\\", "\"", "'": out.append(escape)
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                guard index + width <= characters.count,
                    let value = UInt32(String(characters[index..<index + width]), radix: 16),
                    let scalar = Unicode.Scalar(value)
                else { return nil }
                index += width
                out.unicodeScalars.append(scalar)
            default: return nil
            }
        }
        return nil
    }
}

/// Splits a line into words as etcdctl's `argify` does: double-quoted words with Go escapes, single-quoted words
/// as they are, and runs of other characters.
enum CommandLineWords {
    static func split(_ line: String) -> [String] {
        var words: [String] = []
        var scanner = GoScanner(line)
        var rest = Substring(line)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard let first = rest.first else { return words }
            if first == "\"" {
                scanner = GoScanner(String(rest))
                let before = rest.count
                guard let word = scanner.quoted() else { return words + [String(rest)] }
                words.append(word)
                rest = rest.dropFirst(before - scanner.remaining)
            } else if first == "'" {
                let body = rest.dropFirst()
                let end = body.firstIndex(of: "'") ?? body.endIndex
                words.append(String(body[..<end]))
                rest = end == body.endIndex ? body[end...] : body[body.index(after: end)...]
            } else {
                let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
                words.append(String(rest[..<end]))
                rest = rest[end...]
            }
        }
    }
}

extension GoScanner {
    /// How many characters are left.
    var remaining: Int { characters.count - index }
}
