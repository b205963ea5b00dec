/// Encodes a call deadline as the `grpc-timeout` header value.
package enum GRPCTimeout {
    /// The `grpc-timeout` value for a duration: at most eight digits and a unit (`n`, `u`, `m`, `S`, `M`, `H`).
    ///
    /// The finest unit that fits in eight digits is chosen, rounding up so the server never gives up
    /// before the client does. A duration of zero or less is sent as `0n`; one too long even for
    /// hours is capped at `99999999H`. No input traps.
    package static func headerValue(for duration: Duration) -> String {
        guard duration > .zero else { return "0n" }
        let maximum: Int64 = 99_999_999
        let (seconds, attoseconds) = duration.components  // both >= 0 here
        // Units finer than a second: value = seconds * perSecond + ceil(fraction / unit).
        for (perSecond, unit) in [(Int64(1_000_000_000), "n"), (1_000_000, "u"), (1_000, "m")] {
            guard seconds <= maximum / perSecond else { continue }
            let attosecondsPerUnit = 1_000_000_000_000_000_000 / perSecond
            let value = seconds * perSecond + (attoseconds + attosecondsPerUnit - 1) / attosecondsPerUnit
            if value <= maximum { return "\(value)\(unit)" }
        }
        // Whole seconds, minutes and hours: value = ceil(duration / unit), computed without overflow.
        for (unitSeconds, unit) in [(Int64(1), "S"), (60, "M"), (3_600, "H")] {
            let value = seconds / unitSeconds + (seconds % unitSeconds > 0 || attoseconds > 0 ? 1 : 0)
            if value <= maximum { return "\(value)\(unit)" }
        }
        return "\(maximum)H"
    }
}
