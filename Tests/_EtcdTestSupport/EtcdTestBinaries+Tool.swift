import EtcdTesting
import Foundation

extension EtcdTestBinaries {
    /// The path of the `etcd-swift` tool built with the tests: beside the test bundle.
    ///
    /// - Throws: ``EtcdTestingError`` when it was not built.
    package static func toolPath() throws -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("etcd-swift").path,
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("etcd-swift").path,
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        throw EtcdTestingError("etcd-swift was not built beside the tests (looked at \(candidates))")
    }
}
