import Testing
import _EtcdTransport

private func metadata(_ fields: [(String, String)]) -> GRPCResponseMetadata {
    var metadata = GRPCResponseMetadata()
    for (name, value) in fields { metadata.record(name: Array(name.utf8), value: Array(value.utf8)) }
    return metadata
}

@Suite("gRPC response metadata")
struct GRPCResponseMetadataTests {
    @Test(
        "grpc-status is a plain decimal number; anything else reads as UNKNOWN",
        arguments: [
            ("0", 0), ("14", 14), ("007", 7), ("123456789", 123_456_789), ("", 2), ("+5", 2), ("-1", 2), (" 5", 2),
            ("1234567890", 2), ("99999999999999999999", 2), ("5a", 2),
        ]
    )
    func grpcStatusParsing(value: String, code: Int) {
        #expect(metadata([("grpc-status", value)]).grpcStatus == code)
    }

    @Test("a non-numeric :status reads as none; other fields and names in other cases are ignored")
    func otherFields() {
        let parsed = metadata([
            (":status", "2OO"), ("Grpc-Status", "9"), ("content-type", "application/grpc"), ("grpc-message", "a%20b"),
        ])
        #expect(parsed.httpStatus == 0)
        #expect(parsed.grpcStatus == nil)
        #expect(parsed.grpcMessage == "a b")
    }

    @Test("the outcome: success, a status with its message, an HTTP error, or how the stream ended")
    func outcomes() throws {
        let ok = metadata([(":status", "200"), ("grpc-status", "0")])
        #expect(ok.outcome(resetCode: 0, hasPartialMessage: false, endpoint: "e") == nil)
        let truncated = try #require(
            ok.outcome(resetCode: 0, hasPartialMessage: true, endpoint: "e") as? GRPCStatus
        )
        #expect(truncated.code == .internal)

        let failed = metadata([("grpc-status", "9"), ("grpc-message", "etcdserver:%20no%20space")])
        let status = try #require(failed.outcome(resetCode: 0, hasPartialMessage: false, endpoint: "e") as? GRPCStatus)
        #expect(status == GRPCStatus(code: .failedPrecondition, message: "etcdserver: no space"))

        let http = try #require(
            metadata([(":status", "503")]).outcome(resetCode: 0, hasPartialMessage: false, endpoint: "e")
                as? GRPCStatus
        )
        #expect(http.code == .unavailable)
        let silent = try #require(
            GRPCResponseMetadata().outcome(resetCode: 0, hasPartialMessage: false, endpoint: "e") as? GRPCStatus
        )
        #expect(silent.code == .internal)
        let refused = try #require(
            GRPCResponseMetadata().outcome(resetCode: 7, hasPartialMessage: false, endpoint: "e")
                as? GRPCConnectionError
        )
        #expect(refused.requestNotSent)
        let reset = try #require(
            GRPCResponseMetadata().outcome(resetCode: 2, hasPartialMessage: false, endpoint: "e") as? GRPCStatus
        )
        #expect(reset.code == .unavailable)
    }
}
