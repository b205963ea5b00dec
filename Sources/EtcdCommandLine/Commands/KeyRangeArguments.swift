import EtcdClientCore

/// `<key> [range_end]` with `--prefix` and `--from-key`, as `get`, `del` and `watch` read them.
enum KeyRangeArguments {
    /// The range.
    ///
    /// - Throws: ``CommandError`` (``ExitCode/badArgs``) for both flags, or a range end with either.
    static func range(_ positionals: [String], prefix: Bool, fromKey: Bool) throws(CommandError) -> EtcdKeyRange {
        if prefix && fromKey {
            throw CommandError(.badArgs, "`--prefix` and `--from-key` cannot be set at the same time, choose one")
        }
        let key = EtcdKey(positionals[0])
        if positionals.count > 1 {
            if prefix || fromKey {
                throw CommandError(
                    .badArgs,
                    "too many arguments, only accept one argument when `--prefix` or `--from-key` is set"
                )
            }
            // As given: an empty end is one key, as with etcdctl (not "to the end", as `.range(from:to:)` reads it).
            return .raw(start: key.bytes, end: Array(positionals[1].utf8))
        }
        if prefix { return .prefix(key) }
        if fromKey { return .from(key) }
        return .key(key)
    }

    /// The range of a `role grant-permission|revoke-permission`, by etcdctl's rules: an empty key stands for
    /// `\0`, and with `--prefix` or `--from-key` for the whole key space.
    ///
    /// - Throws: ``CommandError`` (``ExitCode/badArgs``) for both flags, or an end key with either.
    static func permissionRange(
        _ positionals: [String],
        prefix: Bool,
        fromKey: Bool
    ) throws(CommandError)
        -> EtcdKeyRange
    {
        if prefix && fromKey { throw CommandError(.badArgs, "--from-key and --prefix flags are mutually exclusive") }
        let key = Array(positionals[0].utf8)
        if key.isEmpty { return .raw(start: [0], end: prefix || fromKey ? [0] : []) }
        guard positionals.count > 1 else {
            if prefix { return .prefix(EtcdKey(bytes: key)) }
            return .raw(start: key, end: fromKey ? [0] : [])
        }
        if prefix { throw CommandError(.badArgs, "unexpected endkey argument with --prefix flag") }
        if fromKey { throw CommandError(.badArgs, "unexpected endkey argument with --from-key flag") }
        return .raw(start: key, end: Array(positionals[1].utf8))
    }
}
