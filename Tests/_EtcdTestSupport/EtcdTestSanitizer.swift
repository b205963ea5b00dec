import Foundation

/// Which sanitizer the test process was built with, for the few tests that measure memory.
package enum EtcdTestSanitizer {
    /// Whether ThreadSanitizer is in the process. It keeps shadow memory of about four bytes for each byte the
    /// program touches, so resident-memory bounds are multiplied by ``threadSanitizerMemoryFactor`` under it.
    package static let isThreadSanitizerActive = dlsym(nil, "__tsan_init") != nil

    /// Whether AddressSanitizer is in the process.
    package static let isAddressSanitizerActive = dlsym(nil, "__asan_init") != nil

    /// Whether a sanitizer's allocator has taken malloc's place, so that glibc's malloc statistics say nothing of
    /// what the process holds.
    package static var replacesMalloc: Bool { isThreadSanitizerActive || isAddressSanitizerActive }

    /// How much more resident memory the same work takes under ThreadSanitizer.
    package static let threadSanitizerMemoryFactor = 5

    /// The factor for the running process: ``threadSanitizerMemoryFactor`` under ThreadSanitizer, else 1.
    package static var memoryFactor: Int { isThreadSanitizerActive ? threadSanitizerMemoryFactor : 1 }
}
