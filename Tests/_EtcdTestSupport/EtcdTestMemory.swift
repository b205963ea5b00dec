import Foundation

/// The memory this process holds, in KiB: what a client could leak, read from malloc and `/proc/self/status`.
package struct EtcdTestMemory: Equatable, Sendable, Codable {
    /// Bytes malloc has handed out and not had back (in all its arenas, and in chunks of their own mapping), from
    /// `malloc_info`. Freed memory that malloc keeps for later does not count, so this comes back down after a peak.
    /// `nil` under a sanitizer, whose allocator takes malloc's place.
    package var heapInUseKiB: Int?
    /// Anonymous resident memory (`RssAnon`), once malloc has returned its free pages to the system
    /// (`malloc_trim`). It also counts thread stacks, the runtime's own allocations and pages that a few live
    /// bytes keep from being returned, so it does not come all the way back after a peak.
    package var residentAnonymousKiB: Int

    /// The figures now.
    package static func current() -> EtcdTestMemory {
        EtcdTestMemory(heapInUseKiB: heapInUse(), residentAnonymousKiB: residentAnonymous())
    }

    /// Has malloc return its free pages to the system (`malloc_trim`), so that a resident figure read afterwards
    /// is not hiding growth behind pages that earlier work freed and malloc kept.
    package static func returnFreePages() {
        if let symbol = dlsym(nil, "malloc_trim") {
            _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
        }
    }

    // malloc.h is not part of Swift's Glibc module: its two functions used here are looked up by name. Both have
    // plain C signatures.

    private static func heapInUse() -> Int? {
        // Under a sanitizer, malloc_info describes glibc's heap, which nothing uses.
        guard !EtcdTestSanitizer.replacesMalloc else { return nil }
        guard let symbol = dlsym(nil, "malloc_info"), let file = tmpfile() else { return nil }
        defer { fclose(file) }
        let mallocInfo = unsafeBitCast(symbol, to: (@convention(c) (Int32, UnsafeMutablePointer<FILE>) -> Int32).self)
        guard mallocInfo(0, file) == 0 else { return nil }
        let length = ftell(file)
        rewind(file)
        var bytes = [UInt8](repeating: 0, count: max(length, 0))
        let read = fread(&bytes, 1, bytes.count, file)
        let lines = String(decoding: bytes.prefix(read), as: UTF8.self).split(separator: "\n")
        // Each arena has its own <total> and <system> lines; the last of each kind are the whole process's.
        func size(of element: String) -> Int {
            guard let line = lines.last(where: { $0.contains(element) }), let start = line.range(of: "size=\"")
            else { return 0 }
            return Int(line[start.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        let free = size(of: #"<total type="fast""#) + size(of: #"<total type="rest""#)
        return (size(of: #"<system type="current""#) - free + size(of: #"<total type="mmap""#)) / 1024
    }

    private static func residentAnonymous() -> Int {
        returnFreePages()
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
        return line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) } ?? 0
    }
}
