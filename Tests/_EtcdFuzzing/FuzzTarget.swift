/// A part of the client that reads bytes it does not control, and the invariants it must keep for any input.
///
/// `etcd-fuzz` (built with `-sanitize=fuzzer`) hands libFuzzer's inputs to ``run(_:)``; the unit tests replay the
/// seed corpus in `Tests/Fuzz/Corpus/<name>` through the same function. A broken invariant throws
/// ``FuzzFailure``; a crash, a hang or an allocation over libFuzzer's limits is a finding of its own.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// The protobuf reader, decoding any of the responses the client decodes.
    case protobufReader = "protobuf-reader"
    /// The gRPC message deframer, fed in chunks of any size.
    case grpcDeframer = "grpc-deframer"
    /// The `:status`, `grpc-status` and `grpc-message` fields of a response, its outcome and its `EtcdError`.
    case grpcStatus = "grpc-status"
    /// The JSON configuration file.
    case configurationFile = "configuration-file"

    /// Runs one input through the target and checks its invariants.
    package func run(_ input: UnsafeRawBufferPointer) throws(FuzzFailure) {
        switch self {
        case .protobufReader: try ProtobufReaderFuzzing.run(input)
        case .grpcDeframer: try GRPCDeframerFuzzing.run(input)
        case .grpcStatus: try GRPCStatusFuzzing.run(input)
        case .configurationFile: try ConfigurationFileFuzzing.run(input)
        }
    }

    /// Runs one input given as an array.
    package func run(_ input: [UInt8]) throws(FuzzFailure) {
        var result: Result<Void, FuzzFailure> = .success(())
        input.withUnsafeBytes { bytes in
            do throws(FuzzFailure) { try run(bytes) } catch { result = .failure(error) }
        }
        try result.get()
    }

    /// Inputs that reach the target's main paths, from which a fuzzing run starts (written to the corpus by
    /// `etcd-fuzz seeds DIR`).
    package var seeds: [[UInt8]] {
        switch self {
        case .protobufReader: ProtobufReaderFuzzing.seeds
        case .grpcDeframer: GRPCDeframerFuzzing.seeds
        case .grpcStatus: GRPCStatusFuzzing.seeds
        case .configurationFile: ConfigurationFileFuzzing.seeds
        }
    }
}

/// An invariant that an input broke.
package struct FuzzFailure: Error, CustomStringConvertible, Sendable {
    /// What was expected and what happened instead.
    package var description: String

    /// Creates a failure with its explanation.
    package init(_ description: String) { self.description = description }
}
