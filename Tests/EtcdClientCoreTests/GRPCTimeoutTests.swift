import Testing
import _EtcdTransport

@Suite("grpc-timeout header")
struct GRPCTimeoutTests {
    @Test(
        "uses the finest unit that fits in eight digits, rounding up",
        arguments: [
            (Duration.nanoseconds(1), "1n"),
            (.nanoseconds(999), "999n"),
            (.microseconds(1), "1000n"),
            (.milliseconds(1), "1000000n"),
            (.nanoseconds(99_999_999), "99999999n"),
            (.milliseconds(100), "100000u"),
            (.nanoseconds(100_000_001), "100001u"),
            (.seconds(1), "1000000u"),
            (.seconds(30), "30000000u"),
            (.nanoseconds(99_999_999_001), "100000m"),
            (.seconds(100), "100000m"),
            (.seconds(86_400), "86400000m"),
            (.seconds(100_000), "100000S"),
            (.seconds(99_999_999), "99999999S"),
            (.seconds(100_000_000), "1666667M"),
            (.seconds(5_999_999_940), "99999999M"),
            (.seconds(5_999_999_941), "1666667H"),
            (.seconds(10_000_000_000), "2777778H"),
        ]
    )
    func headerValue(duration: Duration, expected: String) {
        #expect(GRPCTimeout.headerValue(for: duration) == expected)
    }

    @Test("a fraction of a nanosecond rounds up to one nanosecond")
    func subNanosecond() {
        #expect(GRPCTimeout.headerValue(for: Duration(secondsComponent: 0, attosecondsComponent: 1)) == "1n")
        #expect(GRPCTimeout.headerValue(for: Duration(secondsComponent: 1, attosecondsComponent: 1)) == "1000001u")
    }

    @Test("zero is 0n")
    func zero() {
        #expect(GRPCTimeout.headerValue(for: .zero) == "0n")
    }

    @Test(
        "a negative duration is sent as zero",
        arguments: [
            Duration.nanoseconds(-1), .milliseconds(-500), .nanoseconds(-999_999_999), .seconds(-1), .seconds(-1) - .nanoseconds(1),
            .seconds(-3600),
        ]
    )
    func negative(duration: Duration) {
        #expect(GRPCTimeout.headerValue(for: duration) == "0n")
    }

    @Test(
        "the value is at most eight digits and one unit character",
        arguments: [
            Duration.nanoseconds(1), .nanoseconds(123_456_789), .microseconds(123_456_789), .milliseconds(123_456_789),
            .seconds(123_456_789), .seconds(12_345_678_901), .seconds(999_999_999_999), .seconds(1) / 3,
            .seconds(1_000_000) / 7, .seconds(Int64(Int32.max)),
        ]
    )
    func shape(duration: Duration) throws {
        let value = GRPCTimeout.headerValue(for: duration)
        let unit = try #require(value.last)
        let digits = value.dropLast()
        #expect(["n", "u", "m", "S", "M", "H"].contains(unit))
        #expect((1...8).contains(digits.count), "\(value)")
        #expect(digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber), "\(value)")
    }

    @Test(
        "the encoded timeout is never shorter than the duration",
        arguments: [
            Duration.nanoseconds(1), .nanoseconds(100_000_001), .seconds(1) / 3, .seconds(7) / 3, .seconds(1_000) / 7,
            .seconds(100_000) / 7, .seconds(1) + .nanoseconds(1), .seconds(99_999_999) + .nanoseconds(1),
        ]
    )
    func neverShorter(duration: Duration) throws {
        let value = GRPCTimeout.headerValue(for: duration)
        let amount = try #require(Int64(value.dropLast()))
        let unit: Duration =
            switch value.last {
            case "n": .nanoseconds(1)
            case "u": .microseconds(1)
            case "m": .milliseconds(1)
            case "S": .seconds(1)
            case "M": .seconds(60)
            default: .seconds(3600)
            }
        #expect(unit * amount >= duration, "\(duration) encoded as \(value)")
    }

    // A call timeout is user input (`CallOptions.timeout`); the largest durations must not trap.
    @Test("the largest durations are capped at 99999999H without trapping")
    func largestDurations() async {
        await #expect(processExitsWith: .success) {
            let value = GRPCTimeout.headerValue(for: .seconds(Int64.max))
            guard value == "99999999H" else { fatalError("got \(value)") }
        }
        await #expect(processExitsWith: .success) {
            // ~292 years: the nanosecond count fits in Int64, the count plus the rounding does not.
            let duration = Duration(secondsComponent: 9_223_372_036, attosecondsComponent: 999_999_999_999_999_999)
            let value = GRPCTimeout.headerValue(for: duration)
            guard value == "2562048H" else { fatalError("got \(value)") }
        }
    }
}
