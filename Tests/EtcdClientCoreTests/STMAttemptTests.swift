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

    @Test("an attempt started again reads afresh: the previous attempt's revision does not stay")
    func resetForgetsTheRevision() throws {
        var attempt = STMAttempt(level: .serializableSnapshot)
        try attempt.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        attempt.reset()
        #expect(attempt.readRevision == nil)
        #expect(attempt.awaitsFirstRead)
        #expect(attempt.readRequest(["a"]) == EtcdTxnRequest(if: [], then: [.get(EtcdGetRequest(.key("a")))]))
    }

    @Test("a read made at the attempt's revision counts as of that revision, not of its answer's header")
    func readAtTheAttemptRevision() throws {
        var attempt = STMAttempt(level: .serializable)
        try attempt.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        // The second read is made at revision 10; the server answers with its current revision, 15, in the header.
        try attempt.record(["b"], from: answers([range("b", at: 15, modRevision: 4)], at: 15, succeeded: true))
        #expect(attempt.isDoomed { $0 == "b" ? 12 : nil }, "b was put at 12, after the revision it was read at")
    }

    @Test("a read replaced by a put of this process dooms the commit; a deletion or an older put does not")
    func doomedByLocalCommits() throws {
        var attempt = STMAttempt(level: .serializableSnapshot)
        try attempt.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        attempt.buffer("w", .init(value: Array("1".utf8), operation: .put("w", value: "1")))
        #expect(!attempt.isDoomed { _ in nil })
        #expect(!attempt.isDoomed { $0 == "a" ? 10 : nil }, "a put at the read's revision was seen by it")
        #expect(attempt.isDoomed { $0 == "a" ? 11 : nil })
        #expect(attempt.isDoomed { $0 == "w" ? 11 : nil }, "snapshot: a written key put after the first read")
        var serializable = STMAttempt(level: .serializable)
        try serializable.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        serializable.buffer("w", .init(value: Array("1".utf8), operation: .put("w", value: "1")))
        #expect(!serializable.isDoomed { $0 == "w" ? 11 : nil }, "serializable compares the reads only")
        var committed = STMAttempt(level: .readCommitted)
        try committed.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        #expect(!committed.isDoomed { _ in 99 }, "read committed compares nothing")
        #expect(attempt.touchedKeys == ["a", "w"])
        attempt.buffer("d", .init(value: nil, operation: .delete("d")))
        #expect(attempt.writtenKeys.puts == ["w"] && attempt.writtenKeys.deletions == ["d"])
    }

    @Test(
        "a key put by this process after the attempt's revision moves the attempt to a newer one, if nothing read changed"
    )
    func newerSnapshot() throws {
        var attempt = STMAttempt(level: .serializableSnapshot)
        try attempt.record(["a"], from: answers([range("a", at: 10, modRevision: 5)], at: 10, succeeded: true))
        #expect(!attempt.needsNewerSnapshot(for: ["b"]) { $0 == "b" ? 9 : nil })
        #expect(attempt.needsNewerSnapshot(for: ["b"]) { $0 == "b" ? 12 : nil })
        #expect(!STMAttempt(level: .repeatableReads).needsNewerSnapshot(for: ["b"]) { _ in 12 })
        let (request, keys) = attempt.newerSnapshotRequest(adding: ["b"])
        #expect(keys == ["a", "b"])
        #expect(request == EtcdTxnRequest(if: [], then: [.get("a"), .get("b")]))
        var moved = attempt
        let unchanged = try answers(
            [range("a", at: 13, modRevision: 5), range("b", at: 13, modRevision: 12)],
            at: 13,
            succeeded: true
        )
        #expect(try moved.moveToNewerSnapshot(keys, from: unchanged))
        #expect(moved.readRevision == 13)
        #expect(moved.conflicts == [.modRevision("a", .less, 6), .modRevision("b", .less, 13)])
        let changed = try answers(
            [range("a", at: 13, modRevision: 11), range("b", at: 13, modRevision: 12)],
            at: 13,
            succeeded: true
        )
        #expect(try !attempt.moveToNewerSnapshot(keys, from: changed), "a read the body saw changed: start again")
    }

    @Test("a key handed over by a commit of this process is the first read, at that commit's revision")
    func handedOverFirstRead() throws {
        var writer = STMAttempt(level: .serializableSnapshot)
        writer.buffer(
            "a",
            .init(value: Array("7".utf8), lease: EtcdLeaseID(rawValue: 3), operation: .put("a", value: "7"))
        )
        writer.buffer("d", .init(value: nil, operation: .delete("d")))
        let header = EtcdResponseHeader(clusterID: 1, memberID: 2, revision: 20, raftTerm: 3)
        let committed = writer.committedReads(header)
        #expect(committed["a"]?.keyValues.first?.value == Array("7".utf8))
        #expect(committed["a"]?.keyValues.first?.modRevision == 20)
        #expect(committed["a"]?.keyValues.first?.lease == EtcdLeaseID(rawValue: 3))
        #expect(committed["d"]?.keyValues.isEmpty == true)
        var reader = STMAttempt(level: .serializableSnapshot)
        #expect(reader.awaitsFirstRead)
        reader.adoptFirstRead("a", try #require(committed["a"]))
        #expect(!reader.awaitsFirstRead)
        #expect(reader.readRevision == 20)
        #expect(
            reader.readRequest(["b"])
                == EtcdTxnRequest(
                    if: [],
                    then: [.get(EtcdGetRequest(.key("b"), revision: 20, consistency: .serializable))]
                )
        )
        #expect(!STMAttempt(level: .repeatableReads).awaitsFirstRead, "only the serializable levels fix a revision")
    }

    @Test("what a failed commit read back is dropped when this process put one of those keys since")
    func stalePrefetchDropped() throws {
        var attempt = STMAttempt(level: .serializable)
        try attempt.record(
            ["a", "b"],
            from: answers(
                [range("a", at: 10, modRevision: 5), range("b", at: 10, modRevision: 6)],
                at: 10,
                succeeded: true
            )
        )
        let (_, readBack) = attempt.commitRequest()
        attempt.commitFailed(
            readBack: readBack,
            response: try answers(
                [range("a", at: 12, modRevision: 11), range("b", at: 12, modRevision: 6)],
                at: 12,
                succeeded: false
            )
        )
        attempt.reset()
        var kept = attempt
        kept.dropStalePrefetched { $0 == "a" ? 12 : nil }
        #expect(Set(kept.prefetchedKeys) == ["a", "b"])
        attempt.dropStalePrefetched { $0 == "b" ? 13 : nil }
        #expect(attempt.prefetchedKeys.isEmpty, "all go: the others were read at the same, now outdated, revision")
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
