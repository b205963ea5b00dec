import EtcdClientCore

/// The text `etcdctl txn` reads: compares, a blank line, success requests, a blank line, failure requests, a blank
/// line. A compare is `target("key") op "value"` (target `ver`/`version`, `c`/`create`, `m`/`mod`,
/// `val`/`value` or `lease`; op `=`, `!=`, `<`, `>`); a request is a `get`, `put` or `del` command line.
struct TxnScript {
    /// The next line of the input with its newline, or `nil` at its end.
    private let nextLine: () -> String?

    /// A script read line by line from `nextLine` (so that interactive prompts come before each section).
    init(nextLine: @escaping () -> String?) {
        self.nextLine = nextLine
    }

    /// A script of `input`.
    init(_ input: [UInt8]) {
        var lines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0) + "\n" }
        // The text after the last newline is not a line: etcdctl's reader reports EOF for it.
        lines.removeLast()
        var index = 0
        self.init {
            guard index < lines.count else { return nil }
            defer { index += 1 }
            return lines[index]
        }
    }

    /// Reads the whole transaction.
    ///
    /// - Parameter prompt: called before each section with etcdctl's interactive prompt.
    /// - Throws: ``CommandError`` (``ExitCode/invalidInput``) for input that ends early or a line that is not
    ///   a compare or request.
    func transaction(prompt: (String) -> Void) throws(CommandError) -> EtcdTxnRequest {
        prompt("compares:")
        let compares = try section(Self.compare)
        prompt("success requests (get, put, del):")
        let success = try section(Self.operation)
        prompt("failure requests (get, put, del):")
        let failure = try section(Self.operation)
        return EtcdTxnRequest(if: compares, then: success, else: failure)
    }

    /// The lines up to the next blank one, each parsed by `parse` as it is read (as etcdctl does, so that a bad
    /// line is reported before the input ends).
    private func section<Item>(_ parse: (String) throws(CommandError) -> Item) throws(CommandError) -> [Item] {
        var found: [Item] = []
        while true {
            guard let raw = nextLine(), raw.hasSuffix("\n") else { throw CommandError(.invalidInput, "EOF") }
            let line = raw.trimmingWhitespace
            if line.isEmpty { return found }
            found.append(try parse(line))
        }
    }

    /// One compare line.
    static func compare(_ line: String) throws(CommandError) -> EtcdCompare {
        guard let open = line.firstIndex(of: "(") else {
            throw CommandError(.invalidInput, "malformed comparison: \(line)")
        }
        let target = String(line[..<open])
        var scanner = GoScanner(String(line[line.index(after: open)...]))
        guard let key = scanner.quoted(), scanner.literal(")"), let op = scanner.word(), let value = scanner.quoted()
        else {
            throw CommandError(.invalidInput, "malformed comparison: \(line)")
        }
        let comparison: EtcdCompare.Operator
        switch op {
        case "=", "==": comparison = .equal
        case "!=": comparison = .notEqual
        case "<": comparison = .less
        case ">": comparison = .greater
        default: throw CommandError(.invalidInput, "malformed comparison: \(line) (unknown operator \(op))")
        }
        let keyName = EtcdKey(key)
        func number() throws(CommandError) -> Int64 {
            guard let number = Int64(value) else {
                throw CommandError(.invalidInput, "invalid txn compare request: \(line)")
            }
            return number
        }
        switch target {
        case "ver", "version": return .version(keyName, comparison, try number())
        case "c", "create": return .createRevision(keyName, comparison, try number())
        case "m", "mod": return .modRevision(keyName, comparison, try number())
        case "val", "value": return .value(keyName, comparison, value)
        case "lease":
            guard let id = Int64(value, radix: 16) else {
                throw CommandError(.invalidInput, "invalid txn compare request: \(line)")
            }
            return .lease(keyName, comparison, id == 0 ? nil : EtcdLeaseID(rawValue: id))
        default: throw CommandError(.invalidInput, "malformed comparison: \(line) (unknown target \(target))")
        }
    }

    /// One request line: `get`, `put` or `del` with their arguments and flags.
    static func operation(_ line: String) throws(CommandError) -> EtcdOperation {
        let words = CommandLineWords.split(line)
        guard words.count >= 2 else { throw CommandError(.invalidInput, "invalid txn compare request: \(line)") }
        let arguments = Array(words.dropFirst())
        let specs: [FlagSpec]
        switch words[0] {
        case "get": specs = GetCommand.flags
        case "put": specs = PutCommand.flags
        case "del": specs = DeleteCommand.flags
        default: throw CommandError(.invalidInput, "invalid txn request: \(line)")
        }
        // A line that is not a command of these (an unknown flag, a missing value) is invalid input; a command
        // whose arguments are wrong fails as that command would, with its own message and status.
        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser.parse(arguments, specs: specs)
        } catch {
            throw CommandError(.invalidInput, "invalid txn request: \(line)")
        }
        switch words[0] {
        case "get": return .get(try GetCommand.request(parsed))
        case "put": return .put(try PutCommand.request(parsed, standardInput: { [] }))
        default:
            guard (1...2).contains(parsed.positionals.count) else {
                throw CommandError(
                    .badArgs,
                    "del command needs one argument as key and an optional argument as range_end"
                )
            }
            let range = try KeyRangeArguments.range(
                parsed.positionals,
                prefix: try parsed.bool("prefix"),
                fromKey: try parsed.bool("from-key")
            )
            return .delete(range, includePrevious: try parsed.bool("prev-kv"))
        }
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line ends.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
