import Foundation
import Testing
import _EtcdTestSupport

/// The memory figure that the chaos test checks after closing every client sees what the process holds.
@Suite("EtcdTestMemory: the heap a leak would grow")
struct TestMemoryMeasureTests {
    @Test("16 MiB held shows in the heap in use, and is gone from it once freed")
    func heldAndFreed() throws {
        let before = EtcdTestMemory.current()
        guard let heapBefore = before.heapInUseKiB else {
            // Under a sanitizer malloc_info says nothing of the heap, and the figure says so.
            #expect(EtcdTestSanitizer.replacesMalloc)
            return
        }
        var held: [[UInt8]]? = (0..<4_096).map { _ in [UInt8](repeating: 1, count: 4_096) }
        let holding = try #require(EtcdTestMemory.current().heapInUseKiB)
        #expect(holding >= heapBefore + 15 * 1_024, "\(heapBefore) KiB before, \(holding) KiB holding 16 MiB")
        #expect(held?.count == 4_096)
        held = nil
        let after = try #require(EtcdTestMemory.current().heapInUseKiB)
        #expect(after < heapBefore + 1_024, "\(heapBefore) KiB before, \(after) KiB after freeing 16 MiB")
        #expect(EtcdTestMemory.current().residentAnonymousKiB > 0)
    }
}
