import Foundation
import _EtcdTestSupport

/// What a chaos run did and found, printed as one JSON line (`chaos: {...}`).
struct ChaosSummary: Codable, Sendable {
    var seed: UInt64
    var seconds: Int
    var etcd: String
    var faults = ChaosFaultCounts()
    /// Writes reported done, not sent, and with an unknown outcome (and of those, how many landed).
    var writesDone = 0
    var writesNotSent = 0
    var writesUnknown = 0
    var writesUnknownPresent = 0
    var calls = 0
    var slowestCallMilliseconds = 0
    var watchers = 0
    var watchEvents = 0
    var fencedLockWrites = 0
    var fencedLeaderWrites = 0
    var observedLeaders = 0
    var recipeErrors = 0
    /// `held`, or the error keep-alive reported when it lost the lease.
    var keepAlive = ""
    var mirrorKeys = 0
    var mirrorReloads = 0
    var resourcesBefore = ""
    var resourcesAfter = ""
    /// The process's memory before the cluster started and once every client is closed and the cluster is gone;
    /// the heap in use is checked, the resident figure only reported (see ``EtcdTestMemory``).
    var memoryBefore: EtcdTestMemory?
    var memoryAfter: EtcdTestMemory?
    var violations: [String] = []

    /// The summary as one line of JSON with sorted keys.
    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
