/// Encodes a call deadline as the `grpc-timeout` header value.
package enum GRPCTimeout {
    /// The `grpc-timeout` value for a duration: at most eight digits and a unit (`n`, `u`, `m`, `S`, `M`, `H`).
    ///
    /// The finest unit that fits in eight digits is chosen, rounding up so the server never gives up
    /// before the client does. A negative duration is sent as zero.
    package static func headerValue(for duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return "0n" }
        let maximum: Int64 = 99_999_999
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if !nanoseconds.overflow {
            let total = nanoseconds.partialValue + (attoseconds + 999_999_999) / 1_000_000_000
            if total <= maximum { return "\(total)n" }
            for (divisor, unit) in [(Int64(1_000), "u"), (1_000_000, "m"), (1_000_000_000, "S")] {
                let value = (total + divisor - 1) / divisor
                if value <= maximum { return "\(value)\(unit)" }
            }
        }
        let wholeSeconds = seconds + (attoseconds > 0 ? 1 : 0)
        if wholeSeconds <= maximum { return "\(wholeSeconds)S" }
        let minutes = (wholeSeconds + 59) / 60
        if minutes <= maximum { return "\(minutes)M" }
        return "\(min((minutes + 59) / 60, maximum))H"
    }
}
