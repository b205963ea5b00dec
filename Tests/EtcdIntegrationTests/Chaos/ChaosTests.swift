import Foundation
import Testing
import _EtcdTestSupport

/// The whole client under random faults, every invariant checked at once.
///
/// `ETCD_CHAOS_SECONDS` sets how long the nemesis runs (15 by default; `Scripts/chaos.sh` runs 60), and
/// `ETCD_CHAOS_SEED` repeats a run (each run prints its seed).
@Suite("Chaos: three members under a seeded nemesis")
struct ChaosTests {
    @Test(
        "writes, watchers, mutex, election, keep-alive and mirror keep their promises under random faults",
        .timeLimit(.minutes(10))
    )
    func chaos() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["ETCD_CHAOS_SECONDS"].flatMap { Int($0) } ?? 15
        let seed = environment["ETCD_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("chaos: seed \(seed), \(seconds) s (repeat with ETCD_CHAOS_SEED=\(seed) ETCD_CHAOS_SECONDS=\(seconds))")
        // In a child process of its own, so that other tests running in parallel do not change the thread,
        // socket and pipe counts it compares after closing every client. The child writes the summary to a file
        // (exit tests do not pass its output on) and exits with 0 when no invariant broke.
        let summaryPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chaos-\(UUID().uuidString).txt"
        )
        defer { try? FileManager.default.removeItem(at: summaryPath) }
        await #expect(processExitsWith: .success) {
            [seconds = seconds as Int, seed = seed as UInt64, path = summaryPath.path as String] in
            do {
                let summary = try await ChaosRun(seconds: seconds, seed: seed).run()
                try Data("chaos: \(summary.jsonLine)\n".utf8).write(to: URL(fileURLWithPath: path))
                exit(summary.violations.isEmpty ? 0 : 1)
            } catch {
                try? Data("chaos: the run failed: \(error)\n".utf8).write(to: URL(fileURLWithPath: path))
                exit(2)
            }
        }
        let summary = (try? String(contentsOf: summaryPath, encoding: .utf8)) ?? ""
        print(summary, terminator: "")
        // The summary goes into the failure itself, so that a log that keeps only the failures says what broke.
        #expect(
            summary.hasPrefix("chaos: {") && summary.contains(#""violations":[]"#),
            "the run (seed \(seed)) wrote its summary with no violation: \(summary)"
        )
    }
}
