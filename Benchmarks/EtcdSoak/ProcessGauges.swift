import Foundation

/// What this process holds, read from `/proc/self`: resident memory, open descriptors and threads.
struct ProcessGauges: Codable, Equatable {
    /// Resident memory in KiB.
    var residentKiB: Int
    /// Open file descriptors.
    var descriptors: Int
    /// Threads.
    var threads: Int

    /// Reads the current values.
    static func read() -> ProcessGauges {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
        return ProcessGauges(
            residentKiB: pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024,
            descriptors: descriptors,
            threads: threads
        )
    }
}
