import EtcdClientCore

/// A command line split into flag values and positional arguments (see ``ArgumentParser``).
struct ParsedArguments: Sendable {
    /// The flags given, by long name: the last value of each (every value for a list flag, split on commas).
    private(set) var values: [String: [String]] = [:]
    /// The arguments that are not flags, in order.
    var positionals: [String] = []
    /// How many positional arguments came before `--`, when it was given (what follows is a command to run).
    var commandAfterSeparator: Int?
    /// Each flag the command accepts, by long name.
    let specs: [String: FlagSpec]

    init(specs: [FlagSpec]) {
        self.specs = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Records `value` for the flag `name`.
    mutating func set(_ name: String, _ value: String) {
        if specs[name]?.kind == .list {
            values[name, default: []] += value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        } else {
            values[name] = [value]
        }
    }

    /// Whether the flag was given (on the command line or by the environment).
    func isSet(_ name: String) -> Bool { values[name] != nil }

    /// The flag's text, or its default.
    func string(_ name: String) -> String {
        values[name]?.last ?? specs[name]?.defaultValue ?? ""
    }

    /// A boolean flag. A value that is not one is an error with cobra's status (1).
    func bool(_ name: String) throws(CommandError) -> Bool {
        switch string(name) {
        case "true", "1", "t", "T", "TRUE", "True": return true
        case "false", "0", "f", "F", "FALSE", "False", "": return false
        case let other:
            throw CommandError(.error, "invalid argument \"\(other)\" for \"--\(name)\" flag: expected true or false")
        }
    }

    /// A whole-number flag.
    func int(_ name: String) throws(CommandError) -> Int64 {
        let text = string(name)
        guard let value = Int64(text.isEmpty ? "0" : text) else {
            throw CommandError(.error, "invalid argument \"\(text)\" for \"--\(name)\" flag: not a whole number")
        }
        return value
    }

    /// A duration flag.
    func duration(_ name: String) throws(CommandError) -> Duration {
        let text = string(name)
        guard let value = Duration(goSyntax: text) else {
            throw CommandError(.error, "invalid argument \"\(text)\" for \"--\(name)\" flag: not a duration")
        }
        return value
    }

    /// A list flag: every value given, or the default's.
    func list(_ name: String) -> [String] {
        if let given = values[name] { return given }
        let fallback = specs[name]?.defaultValue ?? ""
        return fallback.isEmpty ? [] : fallback.split(separator: ",").map(String.init)
    }
}
