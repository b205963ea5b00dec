import Synchronization
import Testing

@testable import _EtcdTransport

/// Counts the buffer's calls back to the I/O thread.
private final class Signals: Sendable {
    let windowOpened = Atomic<Int>(0)
    let cancelled = Atomic<Int>(0)

    func makeBuffer(allowance: Int) -> GRPCResponseBuffer {
        GRPCResponseBuffer(
            allowance: allowance,
            windowOpened: { self.windowOpened.add(1, ordering: .relaxed) },
            cancelCall: { self.cancelled.add(1, ordering: .relaxed) }
        )
    }
}

@Suite("GRPCResponseBuffer: the window follows the consumer")
struct GRPCResponseBufferTests {
    @Test("bytes beyond the allowance are withheld until the consumer takes them, then the window opens once")
    func withholdsBeyondAllowance() async throws {
        let signals = Signals()
        let buffer = signals.makeBuffer(allowance: 100)
        for index in 0..<5 { buffer.append([UInt8(index)], framedSize: 40) }
        #expect(buffer.withheldBytes() == 100)
        #expect(try await buffer.next() == [0])
        #expect(try await buffer.next() == [1])
        #expect(signals.windowOpened.load(ordering: .relaxed) == 0, "still 120 bytes waiting")
        #expect(try await buffer.next() == [2])
        #expect(signals.windowOpened.load(ordering: .relaxed) == 1, "80 bytes waiting: under the allowance")
        #expect(buffer.withheldBytes() == 0)
        #expect(try await buffer.next() == [3])
        #expect(signals.windowOpened.load(ordering: .relaxed) == 1, "told once per stall")
    }

    @Test("a consumer that keeps up never calls back: the window opens on arrival")
    func fastConsumerNeverReports() async throws {
        let signals = Signals()
        let buffer = signals.makeBuffer(allowance: 100)
        for index in 0..<1_000 {
            buffer.append([UInt8(truncatingIfNeeded: index)], framedSize: 60)
            #expect(buffer.withheldBytes() == 0)
            #expect(try await buffer.next() == [UInt8(truncatingIfNeeded: index)])
        }
        #expect(signals.windowOpened.load(ordering: .relaxed) == 0)
    }

    @Test("the end comes after the waiting messages; an error is thrown once, then the sequence is over")
    func endAfterMessages() async throws {
        let buffer = Signals().makeBuffer(allowance: 100)
        buffer.append([1], framedSize: 6)
        buffer.finish(throwing: GRPCStatus(code: .unavailable, message: "gone"))
        buffer.append([2], framedSize: 6)
        #expect(try await buffer.next() == [1])
        await #expect(throws: GRPCStatus.self) { try await buffer.next() }
        #expect(try await buffer.next() == nil)
    }

    @Test("a waiting consumer gets the message, or the end, that arrives later")
    func waiterIsResumed() async throws {
        let buffer = Signals().makeBuffer(allowance: 100)
        async let first = buffer.next()
        while !buffer.hasWaiter { await Task.yield() }
        buffer.append([7], framedSize: 6)
        #expect(try await first == [7])
        async let end = buffer.next()
        while !buffer.hasWaiter { await Task.yield() }
        buffer.finish(throwing: nil)
        #expect(try await end == nil)
    }

    @Test("cancelling the waiting task throws CancellationError and cancels the call, even with the end queued")
    func cancellationThrows() async throws {
        let signals = Signals()
        let buffer = signals.makeBuffer(allowance: 100)
        let waiting = Task { try await buffer.next() }
        while !buffer.hasWaiter { await Task.yield() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(signals.cancelled.load(ordering: .relaxed) >= 1)

        let ended = signals.makeBuffer(allowance: 100)
        ended.append([1], framedSize: 6)
        ended.finish(throwing: nil)
        let cancelledTask = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await ended.next()
        }
        await #expect(throws: CancellationError.self) { try await cancelledTask.value }
    }

    @Test("a consumer that leaves before the end cancels the call; one that saw the end does not")
    func leavingCancels() async throws {
        let signals = Signals()
        do {
            let stream = GRPCResponseStream(buffer: signals.makeBuffer(allowance: 100))
            var iterator = stream.makeAsyncIterator()
            stream.consumer.buffer.append([1], framedSize: 6)
            #expect(try await iterator.next() == [1])
        }
        #expect(signals.cancelled.load(ordering: .relaxed) == 1)

        let finished = Signals()
        do {
            let stream = GRPCResponseStream(buffer: finished.makeBuffer(allowance: 100))
            stream.consumer.buffer.finish(throwing: nil)
            for try await _ in stream {}
        }
        #expect(finished.cancelled.load(ordering: .relaxed) == 0)
    }
}
