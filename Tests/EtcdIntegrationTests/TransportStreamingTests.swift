import EtcdClientCore
import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdWire

@testable import _EtcdTransport

/// The transport's streaming calls against a real etcd: bidirectional (Watch) and server-streaming (Snapshot),
/// multiplexed with unary calls on one connection.
@Suite("gRPC streaming on one HTTP/2 connection", .timeLimit(.minutes(1)))
struct TransportStreamingTests {
    private func connection() async throws -> HTTP2Connection {
        let member = try await SharedEtcd.shared.get().members[0]
        return HTTP2Connection(configuration: HTTP2ConnectionConfiguration(host: "127.0.0.1", port: member.clientPort))
    }

    private func put(_ key: String, _ value: String, on connection: HTTP2Connection) async throws -> Int64 {
        var request = EtcdserverPB.PutRequest()
        request.key = Array(key.utf8)
        request.value = Array(value.utf8)
        let response = try await connection.unary(
            GRPCRequestHead(path: EtcdserverPB.KVService.Put.path),
            framedRequest: request.grpcFramedBytes()
        )
        return try EtcdserverPB.PutResponse(serializedBytes: response).header?.revision ?? 0
    }

    private func watchCreate(_ key: String, id: Int64) -> [UInt8] {
        var create = EtcdserverPB.WatchCreateRequest()
        create.key = Array(key.utf8)
        create.watchId = id
        var request = EtcdserverPB.WatchRequest()
        request.requestUnion = .createRequest(create)
        return request.serializedBytes()
    }

    @Test("a cancel that reaches the I/O thread before its call's start, behind a later call's start, is not lost")
    func cancelBeforeStart() async throws {
        let connection = try await connection()
        var range = EtcdserverPB.RangeRequest()
        range.key = Array("cancel-before-start".utf8)
        let head = GRPCRequestHead(path: EtcdserverPB.KVService.Range.path)
        func call(_ id: UInt64) -> (GRPCCall, GRPCResponseStream) {
            let buffer = GRPCResponseBuffer(allowance: 1 << 20, windowOpened: {}, cancelCall: {})
            let call = GRPCCall(
                id: id,
                head: head,
                sink: .stream(buffer),
                framedRequest: range.grpcFramedBytes(),
                ended: true,
                maximumResponseSize: 1 << 20
            )
            return (call, GRPCResponseStream(buffer: buffer))
        }
        // Call A was numbered first, but its task was cancelled before it was handed over: its cancel and then
        // its start reach the I/O thread after the start of B, a later call.
        let (earlier, earlierResponses) = call(1_000_000)
        let (later, laterResponses) = call(2_000_000)
        #expect(connection.enqueue(.start(later)) == nil)
        earlier.cancellation.cancel()
        #expect(connection.enqueue(.cancel(callID: earlier.id)) == nil)
        #expect(connection.enqueue(.start(earlier)) == nil)
        var laterAnswers = laterResponses.makeAsyncIterator()
        #expect(try await laterAnswers.next() != nil, "the later call is answered")
        await #expect(throws: CancellationError.self) {
            for try await _ in earlierResponses {}
        }
        await connection.close()
    }

    @Test("two watchers on one bidirectional stream, with unary puts on the same connection")
    func bidirectionalWatch() async throws {
        let connection = try await connection()
        let prefix = SharedEtcd.uniquePrefix("stream")
        let stream = connection.makeStream(GRPCRequestHead(path: EtcdserverPB.WatchService.Watch.path))
        try stream.send(watchCreate(prefix + "a", id: 1))
        try stream.send(watchCreate(prefix + "b", id: 2))
        var iterator = stream.responses.makeAsyncIterator()
        var created: Set<Int64> = []
        while created.count < 2 {
            let message = try #require(try await iterator.next())
            let response = try EtcdserverPB.WatchResponse(serializedBytes: message)
            #expect(response.created)
            created.insert(response.watchId)
        }
        #expect(created == [1, 2])
        let revisionA = try await put(prefix + "a", "1", on: connection)
        let revisionB = try await put(prefix + "b", "2", on: connection)
        var events: [Int64: (key: String, revision: Int64)] = [:]
        while events.count < 2 {
            let message = try #require(try await iterator.next())
            let response = try EtcdserverPB.WatchResponse(serializedBytes: message)
            for event in response.events {
                let kv = try #require(event.kv)
                events[response.watchId] = (String(decoding: kv.key, as: UTF8.self), kv.modRevision)
            }
        }
        #expect(events[1]?.key == prefix + "a")
        #expect(events[1]?.revision == revisionA)
        #expect(events[2]?.key == prefix + "b")
        #expect(events[2]?.revision == revisionB)
        stream.cancel()
        await #expect(throws: CancellationError.self) {
            while try await iterator.next() != nil {}
        }
        // The connection carries on after the stream was reset.
        #expect(try await put(prefix + "c", "3", on: connection) > revisionB)
        await connection.close()
    }

    @Test("a server-streaming snapshot arrives in order and ends with an OK status")
    func serverStreamingSnapshot() async throws {
        let connection = try await connection()
        _ = try await put(SharedEtcd.uniquePrefix("snapshot") + "k", "v", on: connection)
        let stream = connection.makeStream(GRPCRequestHead(path: EtcdserverPB.MaintenanceService.Snapshot.path))
        try stream.send(EtcdserverPB.SnapshotRequest().serializedBytes())
        stream.finishSending()
        var total = 0
        var lastRemaining: UInt64?
        var chunks = 0
        for try await message in stream.responses {
            let response = try EtcdserverPB.SnapshotResponse(serializedBytes: message)
            // Remaining bytes fall with each chunk; etcd ends with its checksum in a last chunk that also says 0.
            if let lastRemaining { #expect(response.remainingBytes < lastRemaining || response.remainingBytes == 0) }
            lastRemaining = response.remainingBytes
            total += response.blob.count
            chunks += 1
        }
        #expect(chunks >= 2)
        #expect(lastRemaining == 0)
        #expect(total > 16_384, "a bolt database is at least a few pages")
        await connection.close()
    }

    @Test("calls on a closed connection fail at once with a connection error")
    func closedConnection() async throws {
        let connection = try await connection()
        await connection.close()
        await #expect(throws: GRPCConnectionError.self) {
            _ = try await connection.unary(
                GRPCRequestHead(path: EtcdserverPB.MaintenanceService.Status.path),
                framedRequest: EtcdserverPB.StatusRequest().grpcFramedBytes()
            )
        }
        let stream = connection.makeStream(GRPCRequestHead(path: EtcdserverPB.WatchService.Watch.path))
        await #expect(throws: GRPCConnectionError.self) {
            for try await _ in stream.responses {}
        }
    }

    @Test("a drained connection refuses new calls as not sent, keeps open streams until its grace ends, then closes")
    func drain() async throws {
        let connection = try await connection()
        let prefix = SharedEtcd.uniquePrefix("drain")
        _ = try await put(prefix + "warm", "1", on: connection)
        let stream = connection.makeStream(GRPCRequestHead(path: EtcdserverPB.WatchService.Watch.path))
        try stream.send(watchCreate(prefix + "a", id: 1))
        var iterator = stream.responses.makeAsyncIterator()
        _ = try #require(try await iterator.next())  // created

        let clock = ContinuousClock()
        let start = clock.now
        let draining = Task { await connection.drain(within: .milliseconds(800)) }
        // New calls are refused at once, and certainly not sent.
        var refused: GRPCConnectionError?
        while refused == nil && clock.now - start < .seconds(1) {
            do {
                _ = try await put(prefix + "late", "x", on: connection)
            } catch let error as GRPCConnectionError {
                refused = error
            }
        }
        #expect(refused?.reason == .goingAway)
        #expect(refused?.requestNotSent == true)
        // The open stream still works meanwhile: a change made elsewhere reaches it.
        let other = try await self.connection()
        _ = try await put(prefix + "a", "2", on: other)
        let event = try EtcdserverPB.WatchResponse(serializedBytes: try #require(try await iterator.next()))
        #expect(event.events.first?.kv?.value == Array("2".utf8))
        // At the end of the grace the stream fails as retired, and the thread is gone when drain returns.
        await draining.value
        #expect(clock.now - start >= .milliseconds(800))
        await #expect(throws: GRPCConnectionError.self) {
            while try await iterator.next() != nil {}
        }
        #expect(connection.terminalError?.reason == .retired)
        await other.close()
    }
}
