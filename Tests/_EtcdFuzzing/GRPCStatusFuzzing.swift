import EtcdClientCore
import _EtcdTransport

/// A response's `:status`, `grpc-status` and `grpc-message` fields, the outcome they stand for, and the `EtcdError`
/// the client makes of it.
///
/// The input is a list of fields (a byte that picks the name, a byte for the value's length, the value), then the
/// HTTP/2 code the stream closed with. Invariants: nothing traps; a `grpc-status` of 0 is success unless the
/// stream ended inside a message; a status other than 0 is a failure with that code and message; the error's text
/// can be printed.
enum GRPCStatusFuzzing {
    private static let names: [[UInt8]] = [
        Array(":status".utf8), Array("grpc-status".utf8), Array("grpc-message".utf8), Array("content-type".utf8),
        Array("Grpc-Status".utf8), Array("grpc-status-details-bin".utf8),
    ]

    static func run(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(bytes)
        var metadata = GRPCResponseMetadata()
        let fieldCount = Int(input.byte() % 8)
        for _ in 0..<fieldCount {
            let selector = Int(input.byte())
            let name = selector < 240 ? names[selector % names.count] : input.slice(selector - 239)
            metadata.record(name: name, value: input.slice(Int(input.byte())))
        }
        let resetCode = UInt32(input.byte() % 16)
        let partial = input.byte() & 1 == 1
        let outcome = metadata.outcome(resetCode: resetCode, hasPartialMessage: partial, endpoint: "127.0.0.1:2379")
        if let code = metadata.grpcStatus {
            if code == 0 && !partial && outcome != nil {
                throw FuzzFailure("grpc-status 0 without a partial message failed: \(String(describing: outcome))")
            }
            if code != 0 {
                guard let status = outcome as? GRPCStatus, status.code.rawValue == code,
                    status.message == metadata.grpcMessage
                else { throw FuzzFailure("grpc-status \(code) became \(String(describing: outcome))") }
            }
        } else if outcome == nil {
            throw FuzzFailure("a response without grpc-status succeeded")
        }
        if let status = outcome as? GRPCStatus {
            let error = EtcdError(status: status)
            _ = error.description
        } else if let connectionError = outcome as? GRPCConnectionError {
            _ = EtcdError(connection: connectionError).description
        }
    }

    static var seeds: [[UInt8]] {
        func field(_ name: Int, _ value: String) -> [UInt8] { [UInt8(name), UInt8(value.utf8.count)] + value.utf8 }
        return [
            [2] + field(0, "200") + field(1, "0") + [0, 0],
            [3] + field(0, "200") + field(1, "9") + field(2, "etcdserver: mvcc: required revision has been compacted")
                + [0, 0],
            [2] + field(1, "14") + field(2, "etcdserver: no leader%20%e2%9c%93%zz") + [0, 0],
            [1] + field(0, "503") + [0, 0],
            [0, 7, 0],
            [1] + field(1, "-1") + [8, 1],
        ]
    }
}
