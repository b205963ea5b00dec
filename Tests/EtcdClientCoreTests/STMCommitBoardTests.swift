import EtcdTesting
import Testing
import _EtcdTestSupport
import _EtcdTransport

@testable import EtcdClientCore
@testable import EtcdConcurrency

private func written(_ value: String, at revision: Int64) -> EtcdGetResponse {
    let header = EtcdResponseHeader(clusterID: 1, memberID: 1, revision: revision, raftTerm: 1)
    let keyValue = EtcdKeyValue(
        key: "k",
        value: Array(value.utf8),
        createRevision: 0,
        modRevision: revision,
        version: 0,
        lease: nil
    )
    return EtcdGetResponse(header: header, keyValues: [keyValue])
}

@Suite("STM commit board: reservations and commits of one process, without I/O")
struct STMCommitBoardTests {
    @Test("a reserved key goes to its waiters in arrival order, each with what the previous holder committed")
    func handOverInOrder() async throws {
        let board = STMCommitBoard()
        let first = board.newAttempt()
        let second = board.newAttempt()
        let third = board.newAttempt()
        #expect(try await board.reserve(["k"], for: first).isEmpty, "a free key is reserved at once")
        let order = LockedValue<[UInt64]>([])
        let secondGot = Task {
            let got = try await board.reserve(["k"], for: second)
            order.withLock { $0.append(second) }
            return got
        }
        while !board.isWaiting(second) { await Task.yield() }
        let thirdGot = Task {
            let got = try await board.reserve(["k"], for: third)
            order.withLock { $0.append(third) }
            return got
        }
        while !board.isWaiting(third) { await Task.yield() }
        board.releaseReservations(of: first, committed: ["k": written("1", at: 10)])
        #expect(try await secondGot.value["k"] == written("1", at: 10))
        board.releaseReservations(of: second)
        #expect(try await thirdGot.value.isEmpty, "nothing is handed on by an attempt that did not commit")
        #expect(order.withLock { $0 } == [second, third])
        board.releaseReservations(of: third)
    }

    @Test("waiting that would close a cycle throws STMRestart instead of hanging")
    func deadlock() async throws {
        let board = STMCommitBoard()
        let first = board.newAttempt()
        let second = board.newAttempt()
        _ = try await board.reserve(["a"], for: first)
        _ = try await board.reserve(["b"], for: second)
        let firstWaits = Task { try await board.reserve(["b"], for: first) }
        while !board.isWaiting(first) { await Task.yield() }
        await #expect(throws: STMRestart.self) { try await board.reserve(["a"], for: second) }
        board.releaseReservations(of: second)
        #expect(try await firstWaits.value.isEmpty)
        board.releaseReservations(of: first)
    }

    @Test("a holder that keeps its key too long is waited for at most the patience, then passed over")
    func patience() async throws {
        let board = STMCommitBoard()
        let holder = board.newAttempt()
        let waiter = board.newAttempt()
        _ = try await board.reserve(["k"], for: holder)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await board.reserve(["k"], for: waiter).isEmpty)
        let waited = clock.now - start
        #expect(waited >= STMCommitBoard.reservationPatience && waited < .seconds(5))
        #expect(!board.isWaiting(waiter))
        board.releaseReservations(of: holder)
    }

    @Test("a cancelled wait for a reservation throws CancellationError and leaves the queue")
    func cancelledWait() async throws {
        let board = STMCommitBoard()
        let holder = board.newAttempt()
        let waiter = board.newAttempt()
        _ = try await board.reserve(["k"], for: holder)
        let waiting = Task { try await board.reserve(["k"], for: waiter) }
        while !board.isWaiting(waiter) { await Task.yield() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(!board.isWaiting(waiter))
        board.releaseReservations(of: holder)
    }

    @Test("waits for commits in flight end with them; only puts that were applied are remembered")
    func commitsInFlight() async {
        let board = STMCommitBoard()
        let commit = board.begin(putting: ["a"], deleting: ["d"])
        let ended = LockedValue(false)
        let waiter = Task {
            await board.waitForCommits(writing: ["d"])
            return ended.withLock { $0 }
        }
        while board.waiterCount(of: commit) == 0 { await Task.yield() }
        ended.withLock { $0 = true }
        board.end(commit, revision: 42)
        #expect(await waiter.value, "the wait ends only once the commit has")
        #expect(board.lastWrite(of: "a") == 42)
        #expect(board.lastWrite(of: "d") == nil, "a deletion fails no compare of a revision read")
        let failed = board.begin(putting: ["b"], deleting: [])
        board.end(failed, revision: nil)
        #expect(board.lastWrite(of: "b") == nil)
        await board.waitForCommits(writing: ["a", "b"])
    }
}
