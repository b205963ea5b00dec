import Dispatch
import Foundation
import _EtcdTransport

/// Finds and runs the etcd binaries the tests use.
package enum EtcdTestBinaries {
    /// The path of `name`: `$ETCD_BIN` for etcd when set, else the first match on `PATH` or in `/usr/bin`.
    ///
    /// - Throws: ``EtcdTestingError`` naming the Debian package to install.
    package static func path(of name: String, package: String) throws -> String {
        if name == "etcd", let override = ProcessInfo.processInfo.environment["ETCD_BIN"] { return override }
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw EtcdTestingError("\(name) is not installed: run `apt-get install \(package)` (Debian)")
    }

    /// Runs a binary to completion and returns its standard output.
    ///
    /// - Throws: ``EtcdTestingError`` when it is missing or exits with a non-zero status.
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
            throw EtcdTestingError(
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
        let errorData = LockedValue(Data())
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
}
