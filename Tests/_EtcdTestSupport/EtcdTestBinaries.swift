import Foundation

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(of: name, package: package))
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
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw EtcdTestSupportError(
                "\(name) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + String(decoding: errorData, as: UTF8.self)
            )
        }
        return Array(outputData)
    }
}
