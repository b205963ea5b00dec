import Testing
import _EtcdWire

@testable import EtcdClientCore
@testable import EtcdConcurrency

/// A transaction's answer made of the reads `answers`, at `revision`.
private func answers(
    _ reads: [EtcdserverPB.RangeResponse],
    at revision: Int64,
    succeeded: Bool
) throws -> EtcdTxnResponse {
    var response = EtcdserverPB.TxnResponse()
    var header = EtcdserverPB.ResponseHeader()
    header.revision = revision
    response.header = header
    response.succeeded = succeeded
    response.responses = reads.map { range in
        var op = EtcdserverPB.ResponseOp()
        op.response = .responseRange(range)
        return op
    }
    return try EtcdTxnResponse(response)
}

private func range(_ key: EtcdKey, at revision: Int64, modRevision: Int64?) -> EtcdserverPB.RangeResponse {
    var response = EtcdserverPB.RangeResponse()
    var header = EtcdserverPB.ResponseHeader()
    header.revision = revision
    response.header = header
    if let modRevision {
        var keyValue = MvccPB.KeyValue()
        keyValue.key = key.bytes
        keyValue.modRevision = modRevision
        response.kvs = [keyValue]
    }
    return response
}

@Suite("STM attempts: Go's reads, writes and compares")
struct STMAttemptTests {
    @Test("serializable snapshot: read keys unchanged since read, written keys unchanged since the first read")
    func serializableSnapshotCompares() throws {
        var attempt = STMAttempt(level: .serializableSnapshot)
        try attempt.record(
            ["a", "b"],
            from: answers(
                [range("a", at: 10, modRevision: 5), range("b", at: 10, modRevision: nil)],
                at: 10,
                succeeded: true
            )
        )
        attempt.buffer("c", .init(value: Array("1".utf8), operation: .put("c", value: "1")))
        #expect(
            attempt.conflicts == [
                .modRevision("a", .less, 6), .modRevision("b", .equal, 0), .modRevision("c", .less, 11),
            ]
        )
    }

    @Test("serializable and repeatable reads check the reads only; read committed checks nothing")
    func otherLevelsCompares() throws {
        for level in [EtcdSTMIsolation.serializable, .repeatableReads, .readCommitted] {
            var attempt = STMAttempt(level: level)
            try attempt.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
            attempt.buffer("c", .init(value: nil, operation: .delete("c")))
            #expect(attempt.conflicts == (level == .readCommitted ? [] : [.modRevision("a", .less, 6)]))
        }
    }

    @Test("serializable reads: the first is linearizable, the next ones at its revision; others read the member's copy")
    func readRequests() throws {
        var attempt = STMAttempt(level: .serializable)
        #expect(attempt.readRequest(["a"]) == EtcdTxnRequest(if: [], then: [.get(EtcdGetRequest(.key("a")))]))
        try attempt.record(["a"], from: answers([range("a", at: 42, modRevision: 5)], at: 42, succeeded: true))
        #expect(attempt.readRevision == 42)
        #expect(
            attempt.readRequest(["b"])
                == EtcdTxnRequest(
                    if: [],
                    then: [.get(EtcdGetRequest(.key("b"), revision: 42, consistency: .serializable))]
                )
        )
        let repeatable = STMAttempt(level: .repeatableReads)
        #expect(
            repeatable.readRequest(["b"])
                == EtcdTxnRequest(if: [], then: [.get(EtcdGetRequest(.key("b"), consistency: .serializable))])
        )
    }

    @Test("a buffered write is read back; a deletion reads as nothing")
    func writesReadBack() {
        var attempt = STMAttempt(level: .repeatableReads)
        attempt.buffer("k", .init(value: Array("x".utf8), operation: .put("k", value: "x")))
        guard case .written(let value) = attempt.known("k") else {
            Issue.record("a buffered write must be known")
            return
        }
        #expect(value == Array("x".utf8))
        attempt.buffer("k", .init(value: nil, operation: .delete("k")))
        guard case .written(nil) = attempt.known("k") else {
            Issue.record("a deletion reads as nothing")
            return
        }
        #expect(attempt.commitRequest().request.success == [.delete("k")], "one operation per key: the last")
    }

    @Test("a failed serializable commit reads the read keys back; the next attempt starts from them at their revision")
    func failedCommitPrefetches() throws {
        var attempt = STMAttempt(level: .serializableSnapshot)
        try attempt.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        attempt.buffer("a", .init(value: Array("2".utf8), operation: .put("a", value: "2")))
        let (request, readBack) = attempt.commitRequest()
        #expect(readBack == ["a"])
        #expect(request.failure == [.get("a")])
        attempt.commitFailed(
            readBack: readBack,
            response: try answers([range("a", at: 12, modRevision: 11)], at: 12, succeeded: false)
        )
        attempt.reset()
        guard case .read(let prefetched) = attempt.known("a") else {
            Issue.record("the next attempt must find the read-back value without asking")
            return
        }
        #expect(prefetched.keyValues.first?.modRevision == 11)
        #expect(attempt.readRevision == 12)
        #expect(STMAttempt(level: .repeatableReads).commitRequest().readBack.isEmpty)
    }

    @Test("the first retries go at once; then the pause is random below a ceiling that doubles up to 8 ms")
    func backoffIsBounded() {
        var backoff = STMBackoff()
        for _ in 0..<STMBackoff.immediateRetries { #expect(backoff.next() == .zero) }
        var ceiling = Duration.milliseconds(1)
        for _ in 0..<12 {
            let pause = backoff.next()
            #expect(pause >= .zero && pause <= ceiling)
            ceiling = min(ceiling * 2, .milliseconds(8))
        }
    }
}
