/// A failure of the test support itself: a missing binary, a member that would not start.
package struct EtcdTestSupportError: Error, CustomStringConvertible {
    /// What went wrong.
    package let description: String

    /// Creates an error.
    package init(_ description: String) {
        self.description = description
    }
}
