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
            return .range(from: key, to: EtcdKey(positionals[1]))
        }
        if prefix { return .prefix(key) }
        if fromKey { return .from(key) }
        return .key(key)
    }
}
