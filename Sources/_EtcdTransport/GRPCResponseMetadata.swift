/// What a gRPC response's headers and trailers say about its outcome: the HTTP `:status`, `grpc-status` and
/// `grpc-message`. Every other field is ignored.
///
/// The server's bytes are not trusted: a status that is not a plain decimal number reads as `UNKNOWN` (or as no
/// HTTP status), and a malformed percent escape in the message is kept as it is.
package struct GRPCResponseMetadata: Sendable, Hashable {
    /// The HTTP `:status`, or 0 when none was received or it was not a number.
    package private(set) var httpStatus = 0
    /// The `grpc-status`, once seen.
    package private(set) var grpcStatus: Int?
    /// The percent-decoded `grpc-message`.
    package private(set) var grpcMessage = ""

    /// Creates the metadata of a response that has sent nothing yet.
    package init() {}

    /// Records one header or trailer field as the server sent it.
    package mutating func record(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        if name.elementsEqual("grpc-status".utf8) {
            grpcStatus = Self.decimal(value) ?? GRPCStatus.Code.unknown.rawValue
        } else if name.elementsEqual("grpc-message".utf8) {
            grpcMessage = GRPCStatus.percentDecoded(value)
        } else if name.elementsEqual(":status".utf8) {
            httpStatus = Self.decimal(value) ?? 0
        }
    }

    /// The outcome the response stands for once its stream has closed: `nil` for success.
    ///
    /// - Parameters:
    ///   - resetCode: the HTTP/2 error code the stream closed with (0 when it ended normally).
    ///   - hasPartialMessage: whether the stream ended inside a length-prefixed message.
    ///   - endpoint: the member, for the error's text.
    package func outcome(resetCode: UInt32, hasPartialMessage: Bool, endpoint: String) -> (any Error)? {
        if let grpcStatus {
            if grpcStatus == 0 {
                if hasPartialMessage {
                    return GRPCStatus(code: .internal, message: "the stream ended inside a message")
                }
                return nil
            }
            return GRPCStatus(code: GRPCStatus.Code(rawValue: grpcStatus), message: grpcMessage)
        }
        switch resetCode {
        case 0:
            if httpStatus != 200 && httpStatus != 0 {
                return GRPCStatus(code: GRPCStatus.Code(httpStatus: httpStatus), message: "HTTP status \(httpStatus)")
            }
            return GRPCStatus(code: .internal, message: "the stream ended without a grpc-status")
        case 7:  // REFUSED_STREAM: the server did not process the request.
            return GRPCConnectionError(
                endpoint: endpoint,
                reason: .goingAway,
                detail: "the server refused the stream",
                requestNotSent: true
            )
        case 8:  // CANCEL
            return GRPCStatus(code: .cancelled, message: "the server cancelled the stream")
        default:
            return GRPCStatus(code: .unavailable, message: "the server reset the stream (HTTP/2 error \(resetCode))")
        }
    }

    /// A number of one to nine ASCII digits (the grammar `1*DIGIT` of both fields, bounded so that it fits),
    /// or `nil`.
    private static func decimal(_ bytes: some Collection<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
