import Dispatch
import Foundation
import Synchronization

/// Finds and runs the etcd binaries the tests use.
package enum EtcdTestBinaries {
    /// The path of `name`: `$ETCD_BIN` for etcd when set, else the first match on `PATH` or in `/usr/bin`.
    ///
    /// - Throws: ``EtcdTestSupportError`` naming the Debian package to install.
    package static func path(of name: String, package: String) throws -> String {
        if name == "etcd", let override = ProcessInfo.processInfo.environment["ETCD_BIN"] { return override }
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw EtcdTestSupportError("\(name) is not installed: run `apt-get install \(package)` (Debian)")
    }

    /// Runs a binary to completion and returns its standard output.
    ///
    /// - Throws: ``EtcdTestSupportError`` when it is missing or exits with a non-zero status.
    package static func run(
        _ name: String,
        package: String,
        arguments: [String],
        environment: [String: String] = [:],
        input: [UInt8]? = nil
    ) throws -> [UInt8] {
        let result = try capture(
            try path(of: name, package: package),
            arguments: arguments,
            environment: environment,
            input: input
        )
        guard result.status == 0 else {
            throw EtcdTestSupportError(
                "\(name) \(arguments.joined(separator: " ")) exited with \(result.status): \(result.errorText)"
            )
        }
        return result.output
    }

    /// What a finished process printed, and how it ended.
    package struct Outcome: Sendable, Equatable {
        /// Its standard output.
        package var output: [UInt8]
        /// Its standard error.
        package var errors: [UInt8]
        /// Its exit status.
        package var status: Int32

        /// The standard output as text.
        package var text: String { String(decoding: output, as: UTF8.self) }
        /// The standard error as text.
        package var errorText: String { String(decoding: errors, as: UTF8.self) }
    }

    /// Runs the executable at `path` to completion, feeding it `input`, and returns what it printed and its status.
    package static func capture(
        _ path: String,
        arguments: [String],
        environment: [String: String] = [:],
        input: [UInt8]? = nil
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input))
            try stdin.fileHandleForWriting.close()
        }
        // Standard error is read on its own thread, so that a full pipe of one never blocks the other.
        let errorData = Mutex(Data())
        let errorDone = DispatchSemaphore(value: 0)
        let errorHandle = errors.fileHandleForReading
        Thread {
            let data = errorHandle.readDataToEndOfFile()
            errorData.withLock { $0 = data }
            errorDone.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        errorDone.wait()
        process.waitUntilExit()
        return Outcome(
            output: Array(outputData),
            errors: Array(errorData.withLock { $0 }),
            status: process.terminationStatus
        )
    }

    /// The path of the `etcd-swift` tool built with the tests: beside the test bundle.
    ///
    /// - Throws: ``EtcdTestSupportError`` when it was not built.
    package static func toolPath() throws -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("etcd-swift").path,
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("etcd-swift").path,
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        throw EtcdTestSupportError("etcd-swift was not built beside the tests (looked at \(candidates))")
    }
}
