import Foundation
import Testing
import _EtcdTransport

@Suite("grpc-timeout header")
struct GRPCTimeoutTests {
    static let examples: [(Duration, String)] = [
        (.nanoseconds(1), "1n"),
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

    @Test("uses the finest unit that fits in eight digits, rounding up", arguments: examples)
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

    static let negativeDurations: [Duration] = [
        .nanoseconds(-1), .milliseconds(-500), .nanoseconds(-999_999_999), .seconds(-1),
        Duration(secondsComponent: -1, attosecondsComponent: -1_000_000_000), .seconds(-3600),
    ]

    @Test("a negative duration is sent as zero", arguments: negativeDurations)
    func negative(duration: Duration) {
        #expect(GRPCTimeout.headerValue(for: duration) == "0n")
    }

    static let assortedDurations: [Duration] = [
        .nanoseconds(1), .nanoseconds(123_456_789), .microseconds(123_456_789), .milliseconds(123_456_789),
        .seconds(123_456_789), .seconds(12_345_678_901), .seconds(999_999_999_999),
        Duration(secondsComponent: 0, attosecondsComponent: 333_333_333_333_333_333),
        Duration(secondsComponent: 142_857, attosecondsComponent: 142_857_142_857_142_857), .seconds(2_147_483_647),
    ]

    @Test("the value is at most eight digits and one unit character", arguments: assortedDurations)
    func shape(duration: Duration) throws {
        let value = GRPCTimeout.headerValue(for: duration)
        let unit = try #require(value.last)
        let digits = value.dropLast()
        #expect(["n", "u", "m", "S", "M", "H"].contains(unit))
        #expect((1...8).contains(digits.count), "\(value)")
        #expect(digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber), "\(value)")
    }

    static let awkwardDurations: [Duration] = [
        .nanoseconds(1), .nanoseconds(100_000_001),
        Duration(secondsComponent: 0, attosecondsComponent: 333_333_333_333_333_333),
        Duration(secondsComponent: 2, attosecondsComponent: 333_333_333_333_333_333),
        Duration(secondsComponent: 142, attosecondsComponent: 857_142_857_142_857_142),
        Duration(secondsComponent: 14_285, attosecondsComponent: 714_285_714_285_714_285),
        Duration(secondsComponent: 1, attosecondsComponent: 1_000_000_000),
        Duration(secondsComponent: 99_999_999, attosecondsComponent: 1_000_000_000),
        Duration(secondsComponent: 7_000_000_000, attosecondsComponent: 1),
    ]

    @Test("the encoded timeout is never shorter than the duration", arguments: awkwardDurations)
    func neverShorter(duration: Duration) throws {
        let value = GRPCTimeout.headerValue(for: duration)
        let amount = try #require(Int64(value.dropLast()))
        let units: [Character: Duration] = [
            "n": .nanoseconds(1), "u": .microseconds(1), "m": .milliseconds(1), "S": .seconds(1), "M": .seconds(60),
            "H": .seconds(3600),
        ]
        let unit = try #require(value.last.flatMap { units[$0] })
        let encoded: Duration = unit * amount
        #expect(encoded >= duration, "\(duration) encoded as \(value)")
    }

    // A call timeout is user input (`CallOptions.timeout`): no duration may trap. A trap in the child process
    // shows as a signal; a wrong value as exit code 2.
    @Test("the largest duration is capped at 99999999H without trapping")
    func largestDuration() async {
        await #expect(processExitsWith: .success) {
            let value = GRPCTimeout.headerValue(for: .seconds(Int64.max))
            exit(value == "99999999H" ? 0 : 2)
        }
    }

    @Test("a duration whose nanosecond count nearly fills Int64 is encoded in hours without trapping")
    func nanosecondOverflow() async {
        await #expect(processExitsWith: .success) {
            // ~292 years: seconds × 10⁹ fits in Int64; adding the rounded-up fraction does not.
            let duration = Duration(secondsComponent: 9_223_372_036, attosecondsComponent: 999_999_999_999_999_999)
            let value = GRPCTimeout.headerValue(for: duration)
            exit(value == "2562048H" ? 0 : 2)
        }
    }
}
