import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The resident memory of this process in bytes, after glibc returned its free pages to the system (so that
/// memory freed by earlier tests and reused here does not hide growth).
private func residentBytes() -> Int {
    EtcdTestMemory.returnFreePages()
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite("Backpressure: a slow consumer slows the server, not the memory", .serialized, .timeLimit(.minutes(3)))
struct BackpressureTests {
    @Test("a snapshot of a 100 MiB store through a consumer that stalls holds about a window, not the store")
    func slowSnapshotConsumer() async throws {
        try await withEtcdTestCluster { cluster in
            try await withEtcdClient(configuration: cluster.clientConfiguration) { etcd in
                var generator = SplitMix64(seed: 42)
                for index in 0..<100 {
                    // Random bytes, so that nothing on the way could compress them.
                    let value = (0..<(1 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
                    try await etcd.put(EtcdKey("big/\(index)"), value: value)
                }
                let databaseSize = try await etcd.status().databaseSize
                #expect(databaseSize >= 100 << 20)

                let before = residentBytes()
                #expect(before > 0, "/proc/self/statm is readable")
                var grownWhileStalled = 0
                var received = 0
                let total = try await etcd.snapshot { chunk in
                    if received == 0 {
                        // The consumer stalls: the server may send one window, then waits for it.
                        try await Task.sleep(for: .seconds(3))
                        grownWhileStalled = residentBytes() - before
                        // Other calls on the same connection go on meanwhile.
                        try await etcd.put("backpressure/during", value: "ok")
                        #expect(try await etcd.get("backpressure/during")?.value == Array("ok".utf8))
                    }
                    received += chunk.count
                }
                #expect(total == received)
                #expect(Int64(total) >= databaseSize, "the whole database arrives after the stall")
                // Under ThreadSanitizer, shadow memory multiplies the bound; holding the store would still exceed it.
                #expect(
                    grownWhileStalled < (48 << 20) * EtcdTestSanitizer.memoryFactor,
                    "memory grew by \(grownWhileStalled >> 20) MiB while the consumer stalled"
                )
            }
        }
    }
}
