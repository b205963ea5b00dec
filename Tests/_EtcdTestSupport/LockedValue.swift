import Synchronization

/// A value that concurrent tasks of a test read and change under a lock.
package final class LockedValue<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    /// Creates the value.
    package init(_ value: Value) {
        self.value = Mutex(value)
    }

    /// Runs `body` with the value, under the lock.
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try value.withLock { try body(&$0) }
    }
}
