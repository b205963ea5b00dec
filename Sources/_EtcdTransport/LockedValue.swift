import Glibc

/// A value that threads and tasks share, read and changed only under a POSIX mutex.
///
/// The package uses this type instead of `Synchronization.Mutex` for every lock. Uncontended, both are one atomic
/// operation (glibc's mutex enters the kernel only under contention), but the standard library's Linux `Mutex`
/// takes its futex inside the prebuilt Synchronization library, which ThreadSanitizer does not see, so every
/// access it guards is reported as a race. A `pthread_mutex_t` is intercepted by the sanitizer, which keeps
/// `swift test --sanitize=thread` meaningful. The lock lives in its own allocation, since a `pthread_mutex_t`
/// must not move.
/// The API follows `Mutex`, so the state moves in and out of the lock with `sending`.
package final class LockedValue<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Creates the lock around `initialValue`.
    package init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value and returns what it returns.
    package func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
