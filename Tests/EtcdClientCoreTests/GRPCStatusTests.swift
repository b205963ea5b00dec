import Testing
import _EtcdTransport

@Suite("GRPCStatus")
struct GRPCStatusTests {
    @Test(
        "grpc-message values are percent-decoded",
        arguments: [
            ("", ""),
            ("plain", "plain"),
            ("etcdserver:%20no%20leader", "etcdserver: no leader"),
            ("caf%C3%A9", "café"),
            ("caf%c3%a9", "café"),
            ("%E2%82%AC%20%F0%9F%98%80", "€ 😀"),
            ("100%25", "100%"),
            ("%25%32%30", "%20"),
            ("%0A", "\n"),
            ("a+b", "a+b"),
            ("%%41", "%A"),
        ]
    )
    func percentDecoding(encoded: String, decoded: String) {
        #expect(GRPCStatus.percentDecoded(Array(encoded.utf8)) == decoded)
    }

    @Test(
        "malformed escapes are kept as they are",
        arguments: [
            "%zz", "%", "abc%", "abc%4", "%4g", "%g4", "50% off",
        ]
    )
    func malformedEscapes(value: String) {
        #expect(GRPCStatus.percentDecoded(Array(value.utf8)) == value)
    }

    @Test("decoded bytes that are not UTF-8 become replacement characters, never a crash")
    func invalidUTF8() {
        #expect(GRPCStatus.percentDecoded(Array("a%FFb".utf8)) == "a\u{FFFD}b")
        #expect(GRPCStatus.percentDecoded(Array("%C3".utf8)) == "\u{FFFD}")
    }

    @Test("decoding works on any collection of bytes, such as a slice")
    func slices() {
        let bytes = Array("xxcaf%C3%A9yy".utf8)
        #expect(GRPCStatus.percentDecoded(bytes[2..<11]) == "café")
    }

    @Test(
        "codes have their gRPC names",
        arguments: [
            (GRPCStatus.Code.ok, 0, "OK"),
            (.cancelled, 1, "CANCELLED"),
            (.unknown, 2, "UNKNOWN"),
            (.invalidArgument, 3, "INVALID_ARGUMENT"),
            (.deadlineExceeded, 4, "DEADLINE_EXCEEDED"),
            (.notFound, 5, "NOT_FOUND"),
            (.alreadyExists, 6, "ALREADY_EXISTS"),
            (.permissionDenied, 7, "PERMISSION_DENIED"),
            (.resourceExhausted, 8, "RESOURCE_EXHAUSTED"),
            (.failedPrecondition, 9, "FAILED_PRECONDITION"),
            (.aborted, 10, "ABORTED"),
            (.outOfRange, 11, "OUT_OF_RANGE"),
            (.unimplemented, 12, "UNIMPLEMENTED"),
            (.internal, 13, "INTERNAL"),
            (.unavailable, 14, "UNAVAILABLE"),
            (.dataLoss, 15, "DATA_LOSS"),
            (.unauthenticated, 16, "UNAUTHENTICATED"),
        ]
    )
    func codeNames(code: GRPCStatus.Code, rawValue: Int, name: String) {
        #expect(code.rawValue == rawValue)
        #expect(code.description == name)
        #expect(GRPCStatus.Code(rawValue: rawValue) == code)
    }

    @Test("codes outside the specification keep their number", arguments: [17, 99, -1])
    func unknownCodeNames(rawValue: Int) {
        #expect(GRPCStatus.Code(rawValue: rawValue).description == "CODE_\(rawValue)")
    }

    @Test(
        "HTTP statuses map to gRPC codes as gRPC's mapping document says",
        arguments: [
            (400, GRPCStatus.Code.internal),
            (401, .unauthenticated),
            (403, .permissionDenied),
            (404, .unimplemented),
            (429, .unavailable),
            (502, .unavailable),
            (503, .unavailable),
            (504, .unavailable),
            (200, .unknown),
            (500, .unknown),
            (418, .unknown),
        ]
    )
    func httpStatus(status: Int, code: GRPCStatus.Code) {
        #expect(GRPCStatus.Code(httpStatus: status) == code)
    }

    @Test("a status keeps its code and message")
    func statusFields() {
        let status = GRPCStatus(code: .unavailable, message: "etcdserver: no leader")
        #expect(status.code == .unavailable)
        #expect(status.message == "etcdserver: no leader")
        #expect(status == GRPCStatus(code: .unavailable, message: "etcdserver: no leader"))
        #expect(status != GRPCStatus(code: .unknown, message: "etcdserver: no leader"))
    }
}
