extension Duration {
    /// The nanoseconds in one of each unit Go's `time.ParseDuration` accepts.
    private static let goUnits: [Substring: Int64] = [
        "ns": 1,
        "us": 1_000,
        "µs": 1_000,  // U+00B5 MICRO SIGN
        "μs": 1_000,  // U+03BC GREEK SMALL LETTER MU
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    /// Parses Go's duration syntax, as in `500ms`, `1m30s`, `1.5h` or `-2s`: an optional sign, then one or
    /// more decimal numbers each followed by a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); `0` needs no unit.
    ///
    /// Returns `nil` for other text, and for a duration beyond Go's range (about 292 years). Fractions of a
    /// nanosecond are dropped, as Go drops them.
    package init?(goSyntax text: String) {
        var rest = Substring(text)
        var sign: Int64 = 1
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" {
            self = .zero
            return
        }
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix(while: Self.isDigit)
            rest = rest.dropFirst(whole.count)
            var fraction: Substring = ""
            if rest.first == "." {
                fraction = rest.dropFirst().prefix(while: Self.isDigit)
                rest = rest.dropFirst(1 + fraction.count)
            }
            let unitText = rest.prefix { !Self.isDigit($0) && $0 != "." }
            rest = rest.dropFirst(unitText.count)
            guard !(whole.isEmpty && fraction.isEmpty), let unit = Self.goUnits[unitText],
                let part = Self.nanoseconds(whole: whole, fraction: fraction, unit: unit)
            else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(part)
            guard !overflow else { return nil }
            total = sum
        }
        self = .nanoseconds(sign * total)
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isWholeNumber
    }

    /// `whole.fraction` units in nanoseconds, or `nil` when it overflows.
    private static func nanoseconds(whole: Substring, fraction: Substring, unit: Int64) -> Int64? {
        var value: Int64 = 0
        for digit in whole {
            let (tenfold, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow) = tenfold.addingReportingOverflow(Int64(digit.wholeNumberValue ?? 0))
            guard !overflowed, !overflow else { return nil }
            value = sum
        }
        let (scaled, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        // Less than one unit: at most an hour in nanoseconds, well within a Double's exact range.
        var fractionNanoseconds = 0.0
        var scale = Double(unit)
        for digit in fraction {
            scale /= 10
            fractionNanoseconds += Double(digit.wholeNumberValue ?? 0) * scale
        }
        let (total, overflowed) = scaled.addingReportingOverflow(Int64(fractionNanoseconds.rounded(.towardZero)))
        return overflowed ? nil : total
    }
}
