/// One flag a command accepts, as etcdctl (cobra and pflag) spells it: `--name value`, `--name=value`, `-s value`,
/// `-svalue`; a boolean flag alone is `true`, or takes `--name=false`.
struct FlagSpec: Sendable {
    /// What the flag holds.
    enum Kind: Sendable, Equatable {
        /// `true` or `false`.
        case bool
        /// Text.
        case string
        /// A whole number.
        case int
        /// A Go duration, such as `5s` or `1m30s`.
        case duration
        /// A comma-separated list; the flag may also be repeated.
        case list
    }

    /// The long name, without `--`.
    let name: String
    /// The one-letter name, without `-`, if any.
    let shorthand: Character?
    /// What it holds.
    let kind: Kind
    /// The value when the flag is not given, as text (empty for none).
    let defaultValue: String
    /// What it does, for `--help`.
    let usage: String

    init(_ name: String, _ kind: Kind, shorthand: Character? = nil, default defaultValue: String = "", _ usage: String)
    {
        self.name = name
        self.shorthand = shorthand
        self.kind = kind
        self.defaultValue = defaultValue
        self.usage = usage
    }

    /// The line of this flag in `--help`.
    var helpLine: String {
        let names = shorthand.map { "-\($0), --\(name)" } ?? "    --\(name)"
        let type =
            switch kind {
            case .bool: ""
            case .string: " string"
            case .int: " int"
            case .duration: " duration"
            case .list: " strings"
            }
        let defaultText =
            defaultValue.isEmpty || defaultValue == "false" || defaultValue == "0"
            ? "" : " (default \(kind == .string ? "\"\(defaultValue)\"" : defaultValue))"
        let left = "  \(names)\(type)"
        let padding = String(repeating: " ", count: Swift.max(2, 40 - left.count))
        return left + padding + usage + defaultText
    }
}
