import Foundation

/// The top-level JSON object of a configuration file, read field by field.
///
/// Every accessor returns `nil` (or leaves its target alone) when the field is missing, and throws
/// ``EtcdError/Code/invalidConfiguration`` naming the field when its value has the wrong type or range.
/// A secret field's value is never put in a message: only its JSON type is.
struct ConfigurationFileObject {
    private let values: [String: Any]

    /// Parses `json`, which must hold one JSON object.
    init(json: Data) throws {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            throw Self.invalidJSON(json, error)
        }
        guard let values = parsed as? [String: Any] else {
            throw EtcdError(
                .invalidConfiguration,
                message: "expected a JSON object at the top level, got \(Self.describe(parsed, secret: false))"
            )
        }
        self.values = values
    }

    /// The error for `field`: `field "name": problem`.
    static func error(_ field: String, _ problem: String) -> EtcdError {
        EtcdError(.invalidConfiguration, message: "field \"\(field)\": \(problem)")
    }

    /// Whether the file has `field`, whatever its value.
    func contains(_ field: String) -> Bool {
        values[field] != nil
    }

    /// Throws for the first field, in alphabetical order, not among `known`.
    func rejectUnknownFields(_ known: [String]) throws {
        if let unknown = values.keys.filter({ !known.contains($0) }).min() {
            throw EtcdError(.invalidConfiguration, message: "unknown field \"\(unknown)\"")
        }
    }

    /// A string; `secret` keeps its value out of every message.
    func string(_ field: String, secret: Bool = false) throws -> String? {
        guard let value = values[field] else { return nil }
        guard let string = value as? String else {
            throw Self.error(field, "expected a string, got \(Self.describe(value, secret: secret))")
        }
        return string
    }

    /// A string that must not be empty, such as a file path.
    func nonEmptyString(_ field: String) throws -> String? {
        guard let string = try string(field) else { return nil }
        guard !string.isEmpty else { throw Self.error(field, "expected a non-empty string, got \"\"") }
        return string
    }

    /// An array of strings.
    func strings(_ field: String) throws -> [String]? {
        guard let value = values[field] else { return nil }
        guard let array = value as? [Any] else {
            throw Self.error(field, "expected an array of strings, got \(Self.describe(value, secret: false))")
        }
        return try array.map { item in
            guard let string = item as? String else {
                throw Self.error(field, "expected an array of strings, got \(Self.describe(item, secret: false)) in it")
            }
            return string
        }
    }

    /// `true` or `false`.
    func bool(_ field: String) throws -> Bool? {
        guard let value = values[field] else { return nil }
        guard let number = value as? NSNumber, Self.isBoolean(number) else {
            throw Self.error(field, "expected true or false, got \(Self.describe(value, secret: false))")
        }
        return number.boolValue
    }

    /// Sets `target` to the field's `true` or `false`.
    func read(_ field: String, into target: inout Bool) throws {
        if let value = try bool(field) { target = value }
    }

    /// Sets `target` to the field's level name.
    func read(_ field: String, into target: inout EtcdLogRecord.Level) throws {
        guard let name = try string(field) else { return }
        guard let level = EtcdLogRecord.Level(rawValue: name) else {
            let names = EtcdLogRecord.Level.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw Self.error(field, "expected one of \(names), got \"\(name)\"")
        }
        target = level
    }

    /// Sets `target` to the field's positive whole number, or to `nil` for JSON `null`, which `nullMeans`
    /// explains (such as "no limit").
    func read(_ field: String, into target: inout Int?, nullMeans: String) throws {
        guard let value = values[field] else { return }
        if value is NSNull {
            target = nil
            return
        }
        guard let number = value as? NSNumber, !Self.isBoolean(number), number.doubleValue >= 1,
            number.doubleValue < 9.2e18, number.doubleValue == number.doubleValue.rounded()
        else {
            let got = Self.describe(value, secret: false)
            throw Self.error(field, "expected a positive whole number, or null for \(nullMeans), got \(got)")
        }
        target = number.intValue
    }

    /// Sets `target` to the field's positive duration.
    func read(_ field: String, into target: inout Duration) throws {
        guard let value = values[field] else { return }
        target = try Self.positiveDuration(field, value, nullMeans: nil)
    }

    /// Sets `target` to the field's positive duration, or to `nil` for JSON `null`, which `nullMeans`
    /// explains (such as "no limit").
    func read(_ field: String, into target: inout Duration?, nullMeans: String) throws {
        guard let value = values[field] else { return }
        target = value is NSNull ? nil : try Self.positiveDuration(field, value, nullMeans: nullMeans)
    }

    private static func positiveDuration(_ field: String, _ value: Any, nullMeans: String?) throws -> Duration {
        let duration: Duration?
        if let text = value as? String {
            duration = Duration(goSyntax: text)
        } else if let number = value as? NSNumber, !isBoolean(number) {
            // Seconds; Go's range is ±2^63 nanoseconds.
            let nanoseconds = (number.doubleValue * 1e9).rounded()
            duration = abs(nanoseconds) < 9.2e18 ? .nanoseconds(Int64(nanoseconds)) : nil
        } else {
            duration = nil
        }
        let got = describe(value, secret: false)
        guard let duration else {
            let null = nullMeans.map { ", or null for \($0)" } ?? ""
            throw error(field, "expected a duration such as \"5s\" or a number of seconds\(null), got \(got)")
        }
        guard duration > .zero else {
            let null = nullMeans.map { " (use null for \($0))" } ?? ""
            throw error(field, "must be positive, got \(got)\(null)")
        }
        return duration
    }

    /// Whether `number` is JSON's `true` or `false` rather than a number (which `as? Bool` would accept).
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// A JSON value as the file spells it, or only its type for a secret.
    private static func describe(_ value: Any, secret: Bool) -> String {
        switch value {
        case is NSNull: return "null"
        case let number as NSNumber where isBoolean(number): return secret ? "a boolean" : "\(number.boolValue)"
        case let number as NSNumber: return secret ? "a number" : "\(number)"
        case let string as String: return secret ? "a string" : "\"\(string)\""
        case is [Any]: return "an array"
        default: return "an object"
        }
    }

    /// Foundation's parse error, reduced to where it happened: its text can quote the file, which may hold
    /// a password.
    private static func invalidJSON(_ json: Data, _ error: any Error) -> EtcdError {
        let reason = (error as NSError).userInfo["NSDebugDescription"] as? String ?? ""
        var message = "not valid JSON"
        if reason.hasPrefix("Unexpected end of file") {
            message += ": the text ends too early"
        } else if let range = reason.range(of: "around character "),
            let offset = Int(reason[range.upperBound...].prefix(while: \.isWholeNumber)), offset <= json.count
        {
            let before = json.prefix(offset)
            let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
            let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
            // Count characters, not bytes: skip UTF-8 continuation bytes.
            let column = before[lineStart...].count(where: { $0 & 0xC0 != 0x80 }) + 1
            message += " at line \(line), column \(column)"
        }
        return EtcdError(.invalidConfiguration, message: message)
    }
}
