import Foundation

/// Which sanitizer the test process was built with, for the few tests that measure memory.
package enum EtcdTestSanitizer {
    /// Whether ThreadSanitizer is in the process. It keeps shadow memory of about four bytes for each byte the
    /// program touches, so resident-memory bounds are multiplied by ``threadSanitizerMemoryFactor`` under it.
    package static let isThreadSanitizerActive = dlsym(nil, "__tsan_init") != nil

    /// How much more resident memory the same work takes under ThreadSanitizer.
    package static let threadSanitizerMemoryFactor = 5

    /// The factor for the running process: ``threadSanitizerMemoryFactor`` under ThreadSanitizer, else 1.
    package static var memoryFactor: Int { isThreadSanitizerActive ? threadSanitizerMemoryFactor : 1 }
}
