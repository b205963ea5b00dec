/// A gRPC status: the `grpc-status` code and the percent-decoded `grpc-message` a call ended with.
///
/// Thrown by the transport when a call ends with a code other than ``Code/ok``.
package struct GRPCStatus: Error, Sendable, Hashable {
    /// A gRPC status code (`grpc-status`), as listed in the gRPC specification.
    package struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The numeric code as carried in the `grpc-status` trailer.
        package var rawValue: Int
        /// Creates a code from its numeric value.
        package init(rawValue: Int) { self.rawValue = rawValue }

        /// 0: the call succeeded.
        package static let ok = Code(rawValue: 0)
        /// 1: the call was cancelled.
        package static let cancelled = Code(rawValue: 1)
        /// 2: an unknown error.
        package static let unknown = Code(rawValue: 2)
        /// 3: the client gave an invalid argument.
        package static let invalidArgument = Code(rawValue: 3)
        /// 4: the deadline passed before the call completed.
        package static let deadlineExceeded = Code(rawValue: 4)
        /// 5: something was not found.
        package static let notFound = Code(rawValue: 5)
        /// 6: something already exists.
        package static let alreadyExists = Code(rawValue: 6)
        /// 7: the caller lacks permission.
        package static let permissionDenied = Code(rawValue: 7)
        /// 8: a resource ran out.
        package static let resourceExhausted = Code(rawValue: 8)
        /// 9: the system is not in a state the call requires.
        package static let failedPrecondition = Code(rawValue: 9)
        /// 10: the call was aborted.
        package static let aborted = Code(rawValue: 10)
        /// 11: the call went past the valid range.
        package static let outOfRange = Code(rawValue: 11)
        /// 12: the server does not implement the method.
        package static let unimplemented = Code(rawValue: 12)
        /// 13: an internal error.
        package static let `internal` = Code(rawValue: 13)
        /// 14: the service is unavailable; the call may be retried.
        package static let unavailable = Code(rawValue: 14)
        /// 15: data was lost.
        package static let dataLoss = Code(rawValue: 15)
        /// 16: the caller is not authenticated.
        package static let unauthenticated = Code(rawValue: 16)

        private static let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
            "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
            "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
            "UNAUTHENTICATED",
        ]

        /// The code's name from the gRPC specification, such as `UNAVAILABLE`.
        package var description: String {
            Self.names.indices.contains(rawValue) ? Self.names[rawValue] : "CODE_\(rawValue)"
        }

        /// The gRPC code that stands for an HTTP status when a response carries no `grpc-status`.
        ///
        /// This is the mapping in gRPC's "HTTP to gRPC Status Code Mapping" document.
        package init(httpStatus: Int) {
            switch httpStatus {
            case 400: self = .internal
            case 401: self = .unauthenticated
            case 403: self = .permissionDenied
            case 404: self = .unimplemented
            case 429, 502, 503, 504: self = .unavailable
            default: self = .unknown
            }
        }
    }

    /// The status code.
    package var code: Code
    /// The status message, percent-decoded.
    package var message: String
    /// Whether the client made this status itself before any of the request left it (a deadline that passed
    /// while the call waited for the server's SETTINGS), so that even a write certainly was not applied.
    package var requestNotSent: Bool

    /// Creates a status.
    package init(code: Code, message: String, requestNotSent: Bool = false) {
        self.code = code
        self.message = message
        self.requestNotSent = requestNotSent
    }

    /// The start of the message of ``responseTooLarge(_:limit:)``.
    package static let responseTooLargePrefix = "client: a response message of "

    /// The status of a call whose response message is longer than the client accepts: made by the client, which
    /// resets the stream without reading the message.
    package static func responseTooLarge(_ length: Int, limit: Int) -> GRPCStatus {
        GRPCStatus(
            code: .resourceExhausted,
            message: "\(responseTooLargePrefix)\(length) bytes is larger than the client's limit of \(limit) bytes"
                + " (maxResponseBytes)"
        )
    }

    /// Decodes a `grpc-message` value: percent-encoded UTF-8, as the gRPC HTTP/2 protocol specifies.
    ///
    /// A malformed escape is kept as it is rather than rejected, as the specification asks.
    package static func percentDecoded(_ value: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var index = value.startIndex
        while index != value.endIndex {
            let byte = value[index]
            if byte == UInt8(ascii: "%") {
                let first = value.index(after: index)
                if first != value.endIndex {
                    let second = value.index(after: first)
                    if second != value.endIndex, let high = hexValue(value[first]), let low = hexValue(value[second]) {
                        out.append(high << 4 | low)
                        index = value.index(after: second)
                        continue
                    }
                }
            }
            out.append(byte)
            index = value.index(after: index)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
