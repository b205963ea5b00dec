import Foundation

/// Parses a command line as pflag does: flags may come before, between or after positional arguments; `--` ends
/// the flags; `--name=value`, `--name value`, `-n value` and `-nvalue` set a value; a boolean flag alone is `true`.
enum ArgumentParser {
    /// Splits `arguments` by `specs`.
    ///
    /// - Parameter stopAtFirstPositional: after this many positional arguments, the rest are positional even when
    ///   they look like flags (for `lock NAME command --its-flags`); `nil` parses flags everywhere.
    /// - Throws: ``CommandError`` (``ExitCode/error``, as cobra exits) for an unknown flag or a missing value.
    static func parse(
        _ arguments: [String],
        specs: [FlagSpec],
        flagsEndAfter positionalLimit: Int? = nil
    ) throws(CommandError) -> ParsedArguments {
        var parsed = ParsedArguments(specs: specs)
        let byShorthand = Dictionary(
            specs.compactMap { spec in spec.shorthand.map { ($0, spec) } },
            uniquingKeysWith: { first, _ in first }
        )
        var index = 0
        func nextValue(for name: String) throws(CommandError) -> String {
            index += 1
            guard index < arguments.count else {
                throw CommandError(.error, "flag needs an argument: --\(name)")
            }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            defer { index += 1 }
            if let limit = positionalLimit, parsed.positionals.count >= limit {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                parsed.commandAfterSeparator = parsed.positionals.count
                parsed.positionals += arguments[(index + 1)...]
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                guard let spec = parsed.specs[name] else { throw CommandError(.error, "unknown flag: --\(name)") }
                if let equals = body.firstIndex(of: "=") {
                    parsed.set(name, String(body[body.index(after: equals)...]))
                } else if spec.kind == .bool {
                    parsed.set(name, "true")
                } else {
                    parsed.set(name, try nextValue(for: name))
                }
            } else if argument.hasPrefix("-") && argument.count > 1 {
                let body = argument.dropFirst()
                let letter = body.first!
                guard let spec = byShorthand[letter] else {
                    throw CommandError(.error, "unknown shorthand flag: '\(letter)' in \(argument)")
                }
                let rest = body.dropFirst()
                if spec.kind == .bool {
                    parsed.set(spec.name, rest.hasPrefix("=") ? String(rest.dropFirst()) : "true")
                } else if !rest.isEmpty {
                    parsed.set(spec.name, String(rest.hasPrefix("=") ? rest.dropFirst() : rest))
                } else {
                    parsed.set(spec.name, try nextValue(for: spec.name))
                }
            } else {
                parsed.positionals.append(argument)
            }
        }
        return parsed
    }

    /// Fills the flags not given on the command line from the environment, as etcdctl does: `ETCDCTL_` and the
    /// flag's name in capitals with `_` for `-` (`ETCDCTL_DIAL_TIMEOUT` for `--dial-timeout`).
    static func applyEnvironment(_ environment: [String: String], to parsed: inout ParsedArguments, names: [String]) {
        for name in names where !parsed.isSet(name) {
            let variable = "ETCDCTL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[variable] { parsed.set(name, value) }
        }
    }
}
