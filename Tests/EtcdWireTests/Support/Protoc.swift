import Foundation

/// A failure to run `protoc`, with a message that says how to fix the environment.
struct ProtocError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `/usr/bin/protoc` on the etcd .proto files (Debian packages protobuf-compiler and
/// golang-etcd-server-dev). The golden tests fail (never skip) when either is missing.
enum Protoc {
    static let executable = "/usr/bin/protoc"
    static let goSource = "/usr/share/gocode/src"
    static let etcdProtoFiles = [
        "etcd/etcdserver/etcdserverpb/rpc.proto",
        "etcd/mvcc/mvccpb/kv.proto",
        "etcd/auth/authpb/auth.proto",
        "etcd/etcdserver/api/v3lock/v3lockpb/v3lock.proto",
        "etcd/etcdserver/api/v3election/v3electionpb/v3election.proto",
    ]

    static var includeArguments: [String] {
        [
            "\(goSource)/go.etcd.io",
            "\(goSource)/github.com/gogo/protobuf",
            "\(goSource)/github.com/grpc-ecosystem/grpc-gateway/third_party/googleapis",
            "/usr/include",
        ].flatMap { ["-I", $0] }
    }

    /// Throws a descriptive error unless protoc and the etcd .proto files are installed.
    static func checkAvailable() throws(ProtocError) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ProtocError(description: "\(executable) not found: run `apt-get install protobuf-compiler`")
        }
        for file in etcdProtoFiles where !FileManager.default.fileExists(atPath: "\(goSource)/go.etcd.io/\(file)") {
            throw ProtocError(
                description: "\(goSource)/go.etcd.io/\(file) not found: run `apt-get install golang-etcd-server-dev`"
            )
        }
    }

    /// Runs protoc with `arguments` (include paths are added), feeding `input` on stdin; returns stdout.
    static func run(_ arguments: [String], input: [UInt8], extraIncludes: [String] = []) throws -> [UInt8] {
        try checkAvailable()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("etcd-wire-protoc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("stdin")
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        try Data(input).write(to: inputURL)
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = includeArguments + extraIncludes.flatMap { ["-I", $0] } + arguments
        let stdin = try FileHandle(forReadingFrom: inputURL)
        let stdout = try FileHandle(forWritingTo: outputURL)
        let stderr = try FileHandle(forWritingTo: errorURL)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        let output = try Data(contentsOf: outputURL)
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
            throw ProtocError(
                description:
                    "protoc \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(message)"
            )
        }
        return [UInt8](output)
    }

    /// `protoc --encode=<type>` of `text`, using the etcd .proto files.
    static func encode(_ text: String, type: String) throws -> [UInt8] {
        try run(["--encode=\(type)"] + etcdProtoFiles, input: Array(text.utf8))
    }

    /// `protoc --decode=<type>` of `bytes`, using the etcd .proto files.
    static func decode(_ bytes: [UInt8], type: String) throws -> String {
        String(decoding: try run(["--decode=\(type)"] + etcdProtoFiles, input: bytes), as: UTF8.self)
    }
}
