/// Static description of one gRPC method of the etcd v3 API.
///
/// Generated code declares one caseless enum per method, for example
/// `EtcdserverPB.KVService.Range` or `V3LockPB.LockService.Lock`, conforming to this protocol.
/// A transport can be generic over it:
/// `func unary<M: ProtobufRPCMethod>(_: M.Type, _ request: M.Request) async throws -> M.Response`.
package protocol ProtobufRPCMethod {
    /// The request message type.
    associatedtype Request: ProtobufMessage
    /// The response message type.
    associatedtype Response: ProtobufMessage

    /// The HTTP/2 `:path` of the method, for example `"/etcdserverpb.KV/Range"`.
    static var path: String { get }
    /// `true` when the client sends a stream of requests.
    static var isClientStreaming: Bool { get }
    /// `true` when the server answers with a stream of responses.
    static var isServerStreaming: Bool { get }
}
