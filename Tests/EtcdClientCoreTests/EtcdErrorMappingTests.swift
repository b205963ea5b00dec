import Foundation
import Testing
import _EtcdTransport
import _EtcdWire

@testable import EtcdClientCore

/// One `ErrGRPC...` status declared in etcd's `rpctypes/error.go`.
private struct ServerErrorDeclaration: Sendable, CustomStringConvertible {
    var name: String
    var grpcCode: GRPCStatus.Code
    var message: String
    var description: String { "\(name) (\(grpcCode), \"\(message)\")" }
}

private enum EtcdSourceErrors {
    static let path = "/usr/share/gocode/src/go.etcd.io/etcd/etcdserver/api/v3rpc/rpctypes/error.go"

    /// Go's `codes` constant names and their numeric values.
    static let goCodes: [String: Int] = [
        "OK": 0, "Canceled": 1, "Unknown": 2, "InvalidArgument": 3, "DeadlineExceeded": 4, "NotFound": 5,
        "AlreadyExists": 6, "PermissionDenied": 7, "ResourceExhausted": 8, "FailedPrecondition": 9,
        "Aborted": 10, "OutOfRange": 11, "Unimplemented": 12, "Internal": 13, "Unavailable": 14,
        "DataLoss": 15, "Unauthenticated": 16,
    ]

    /// Parses every `ErrG...RPC... = status.New(codes.X, "message")` declaration of error.go.
    static func load() throws -> [ServerErrorDeclaration] {
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record(
                "\(path) is missing; install etcd's Go sources with `apt-get install golang-etcd-server-dev`"
            )
            return []
        }
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let pattern = #"(ErrG[A-Za-z]+)\s*=\s*status\.New\(\s*codes\.([A-Za-z]+)\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)"#
        let regex = try NSRegularExpression(pattern: pattern)
        let text = source as NSString
        return regex.matches(in: source, range: NSRange(location: 0, length: text.length)).compactMap { match in
            let name = text.substring(with: match.range(at: 1))
            let codeName = text.substring(with: match.range(at: 2))
            let message = text.substring(with: match.range(at: 3))
            guard let code = goCodes[codeName] else {
                Issue.record("\(name) uses unknown gRPC code codes.\(codeName)")
                return nil
            }
            return ServerErrorDeclaration(name: name, grpcCode: GRPCStatus.Code(rawValue: code), message: message)
        }
    }
}

@Suite("EtcdError mapping")
struct EtcdErrorMappingTests {
    @Test("every etcd server error in rpctypes/error.go maps to a named code")
    func everyServerMessageIsNamed() throws {
        let declarations = try EtcdSourceErrors.load()
        guard !declarations.isEmpty else { return }
        #expect(declarations.count >= 50, "error.go parsed into only \(declarations.count) declarations")
        for declaration in declarations {
            let error = EtcdError(status: GRPCStatus(code: declaration.grpcCode, message: declaration.message))
            #expect(error.code != .unknown, "\(declaration) has no named code")
            #expect(EtcdError.serverMessages[declaration.message] != nil, "\(declaration) is not in serverMessages")
            #expect(error.message == declaration.message)
            #expect(error.grpcStatusCode == declaration.grpcCode.rawValue)
            #expect(error.endpoint == nil)
        }
    }

    @Test("every message the client knows is one etcd sends")
    func noStaleMessages() throws {
        let declarations = try EtcdSourceErrors.load()
        guard !declarations.isEmpty else { return }
        let messages = Set(declarations.map(\.message))
        for known in EtcdError.serverMessages.keys.sorted() {
            #expect(messages.contains(known), "\"\(known)\" does not appear in error.go")
        }
    }

    @Test(
        "server messages map to their specific code, whatever the gRPC code",
        arguments: [
            (GRPCStatus.Code.invalidArgument, "etcdserver: key is not provided", EtcdError.Code.emptyKey),
            (.outOfRange, "etcdserver: mvcc: required revision has been compacted", .compacted),
            (.outOfRange, "etcdserver: mvcc: required revision is a future revision", .futureRevision),
            (.resourceExhausted, "etcdserver: mvcc: database space exceeded", .noSpace),
            (.resourceExhausted, "etcdserver: too many requests", .tooManyRequests),
            (.invalidArgument, "etcdserver: request is too large", .requestTooLarge),
            (.notFound, "etcdserver: requested lease not found", .leaseNotFound),
            (.unavailable, "etcdserver: no leader", .noLeader),
            (.unavailable, "etcdserver: leader changed", .leaderChanged),
            (.unavailable, "etcdserver: request timed out", .serverTimeout),
            (.unavailable, "etcdserver: request timed out, possibly due to previous leader failure", .serverTimeout),
            (.unavailable, "etcdserver: rpc not supported for learner", .notSupportedForLearner),
            (.dataLoss, "etcdserver: corrupt cluster", .corrupt),
            (.unauthenticated, "etcdserver: invalid auth token", .invalidAuthToken),
            (.invalidArgument, "etcdserver: authentication failed, invalid user ID or password", .authenticationFailed),
            (
                .failedPrecondition, "etcdserver: can only promote a learner member which is in sync with leader",
                .learnerNotReady
            ),
            (.cancelled, "etcdserver: watch canceled", .watchCancelled),
        ]
    )
    func specificCodes(grpcCode: GRPCStatus.Code, message: String, expected: EtcdError.Code) {
        let error = EtcdError(status: GRPCStatus(code: grpcCode, message: message))
        #expect(error.code == expected)
        #expect(error.message == message)
        #expect(error.grpcStatusCode == grpcCode.rawValue)
    }

    @Test(
        "an unknown message keeps the gRPC code and message, with the generic code for that gRPC code",
        arguments: [
            (GRPCStatus.Code.unknown, EtcdError.Code.unknown),
            (.failedPrecondition, .unknown),
            (.notFound, .unknown),
            (.alreadyExists, .unknown),
            (.aborted, .unknown),
            (.outOfRange, .unknown),
            (.unimplemented, .unknown),
            (.internal, .unknown),
            (.dataLoss, .unknown),
            (.resourceExhausted, .unknown),
            (GRPCStatus.Code(rawValue: 42), .unknown),
            (.unavailable, .unavailable),
            (.deadlineExceeded, .deadlineExceeded),
            (.cancelled, .cancelled),
            (.unauthenticated, .unauthenticated),
            (.permissionDenied, .permissionDenied),
            (.invalidArgument, .invalidArgument),
        ]
    )
    func unknownMessage(grpcCode: GRPCStatus.Code, expected: EtcdError.Code) {
        let message = "something etcd has never said"
        let error = EtcdError(status: GRPCStatus(code: grpcCode, message: message))
        #expect(error.code == expected)
        #expect(error.message == message)
        #expect(error.grpcStatusCode == grpcCode.rawValue)
        #expect(error.endpoint == nil)
        #expect(error.compactRevision == nil)
    }

    @Test("a known message must match exactly")
    func exactMatch() {
        let error = EtcdError(status: GRPCStatus(code: .unavailable, message: "etcdserver: no leader (retry)"))
        #expect(error.code == .unavailable)
        #expect(error.message == "etcdserver: no leader (retry)")
    }

    @Test(
        "gRPC's own message size limit maps to requestTooLarge",
        arguments: [
            "grpc: received message larger than max (2097162 vs. 2097152)",
            "grpc: trying to send message larger than max (4194314 vs. 4194304)",
        ]
    )
    func grpcMessageSizeLimit(message: String) {
        let error = EtcdError(status: GRPCStatus(code: .resourceExhausted, message: message))
        #expect(error.code == .requestTooLarge)
        #expect(error.message == message)
        #expect(error.grpcStatusCode == GRPCStatus.Code.resourceExhausted.rawValue)
    }

    @Test("the size-limit message under another gRPC code is not requestTooLarge")
    func sizeLimitOtherCode() {
        let message = "grpc: received message larger than max (2097162 vs. 2097152)"
        #expect(EtcdError(status: GRPCStatus(code: .internal, message: message)).code == .unknown)
    }

    @Test(
        "connection failures map to connectionFailed and name the endpoint",
        arguments: [
            GRPCConnectionError.Reason.resolutionFailed, .connectFailed, .connectionLost, .keepaliveTimeout,
            .goingAway, .protocolError,
        ]
    )
    func connectionFailures(reason: GRPCConnectionError.Reason) {
        for requestNotSent in [true, false] {
            let failure = GRPCConnectionError(
                endpoint: "10.0.0.1:2379",
                reason: reason,
                detail: "Connection refused",
                requestNotSent: requestNotSent
            )
            let error = EtcdError(connection: failure)
            #expect(error.code == .connectionFailed)
            #expect(error.endpoint == "10.0.0.1:2379")
            #expect(error.requestNotSent == requestNotSent)
            #expect(error.grpcStatusCode == nil)
            #expect(error.message.hasSuffix(": Connection refused"))
            #expect(error.description.contains("10.0.0.1:2379"))
        }
    }

    @Test("each connection failure reason has its own explanation")
    func distinctReasons() {
        let reasons: [GRPCConnectionError.Reason] = [
            .resolutionFailed, .connectFailed, .connectionLost, .keepaliveTimeout, .goingAway, .protocolError, .closed,
        ]
        let messages = reasons.map {
            EtcdError(connection: GRPCConnectionError(endpoint: "e:1", reason: $0, detail: "", requestNotSent: false))
                .message
        }
        #expect(Set(messages).count == reasons.count)
        #expect(!messages.contains(""))
    }

    @Test("a connection closed by this client maps to clientClosed")
    func closedConnection() {
        let failure = GRPCConnectionError(endpoint: "etcd:2379", reason: .closed, detail: "", requestNotSent: true)
        let error = EtcdError(connection: failure)
        #expect(error.code == .clientClosed)
        #expect(error.endpoint == "etcd:2379")
        #expect(error.message == "the connection was closed")
        #expect(error.requestNotSent)
    }

    @Test("a connection this client drained says so, and blames the server only for a GOAWAY it sent")
    func drainedConnection() {
        let drained = GRPCConnectionError(
            endpoint: "etcd:2379",
            reason: .goingAway,
            detail: "the client moved to another endpoint",
            requestNotSent: true
        )
        let message = EtcdError(connection: drained).message
        #expect(message == "the connection takes no new calls: the client moved to another endpoint")
        #expect(!message.contains("server"))
        var goaway = drained
        goaway.detail = "the server sent GOAWAY"
        #expect(EtcdError(connection: goaway).message.hasSuffix("the server sent GOAWAY"))
    }

    @Test("an empty detail leaves just the reason")
    func emptyDetail() {
        let failure = GRPCConnectionError(
            endpoint: "etcd:2379",
            reason: .connectFailed,
            detail: "",
            requestNotSent: true
        )
        #expect(EtcdError(connection: failure).message == "could not connect")
    }

    @Test("a response that cannot be decoded is malformedResponse and names the method")
    func decodingFailure() {
        let error = EtcdError(decoding: .truncated, method: "/etcdserverpb.KV/Range")
        #expect(error.code == .malformedResponse)
        #expect(error.message.contains("/etcdserverpb.KV/Range"))
        #expect(error.grpcStatusCode == nil)
    }

    @Test(
        "description shows the code, message and endpoint, and nothing else",
        arguments: [
            (
                EtcdError(
                    status: GRPCStatus(
                        code: .outOfRange,
                        message: "etcdserver: mvcc: required revision has been compacted"
                    )
                ),
                "EtcdError.compacted: etcdserver: mvcc: required revision has been compacted"
            ),
            (
                EtcdError(
                    connection: GRPCConnectionError(
                        endpoint: "10.0.0.1:2379",
                        reason: .connectFailed,
                        detail: "Connection refused",
                        requestNotSent: true
                    )
                ),
                "EtcdError.connectionFailed: could not connect: Connection refused (endpoint 10.0.0.1:2379)"
            ),
            (
                EtcdError(
                    connection: GRPCConnectionError(
                        endpoint: "[::1]:2379",
                        reason: .closed,
                        detail: "",
                        requestNotSent: false
                    )
                ),
                "EtcdError.clientClosed: the connection was closed (endpoint [::1]:2379)"
            ),
            (EtcdError(.clientClosed), "EtcdError.clientClosed"),
            (EtcdError(.compacted, message: "m", compactRevision: 12), "EtcdError.compacted: m (compact revision 12)"),
            (
                EtcdError(status: GRPCStatus(code: .unavailable, message: "etcdserver: no leader")),
                "EtcdError.noLeader: etcdserver: no leader"
            ),
            (
                EtcdError(status: GRPCStatus(code: .unavailable, message: "try later")),
                "EtcdError.unavailable: try later"
            ),
            // An unknown status is only useful with its gRPC code, which the description adds.
            (
                EtcdError(status: GRPCStatus(code: .failedPrecondition, message: "odd")),
                "EtcdError.unknown: odd (gRPC status 9)"
            ),
        ]
    )
    func description(error: EtcdError, expected: String) {
        #expect(error.description == expected)
        #expect(!error.description.contains("requestNotSent"))
    }

    @Test("a code's description is its name")
    func codeDescription() {
        #expect(EtcdError.Code.compacted.description == "compacted")
        #expect(EtcdError.Code.connectionFailed.name == "connectionFailed")
        #expect(EtcdError.Code.compacted != EtcdError.Code.futureRevision)
    }
}
