import Testing
import _EtcdTransport

extension GRPCMessageDeframer {
    /// Frames one message: the five-byte prefix followed by `message`.
    fileprivate static func frame(_ message: [UInt8]) -> [UInt8] {
        frame(contentsOf: [message])
    }

    fileprivate mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Every complete message buffered now.
    fileprivate mutating func drain() throws(Failure) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        while let message = try nextMessage() { messages.append(message) }
        return messages
    }
}

@Suite("GRPCMessageDeframer")
struct GRPCMessageDeframerTests {
    @Test("frame() writes a zero flag, a big-endian length and the message")
    func frameLayout() {
        #expect(GRPCMessageDeframer.frame([]) == [0, 0, 0, 0, 0])
        #expect(GRPCMessageDeframer.frame([0xAA, 0xBB]) == [0, 0, 0, 0, 2, 0xAA, 0xBB])
        let large = [UInt8](repeating: 7, count: 0x01_02_03)
        let framed = GRPCMessageDeframer.frame(large)
        #expect(framed.count == large.count + 5)
        #expect(Array(framed.prefix(5)) == [0, 0, 0x01, 0x02, 0x03])
        #expect(Array(framed.dropFirst(5)) == large)
    }

    @Test("a whole message in one append comes out once")
    func oneMessage() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        deframer.append(GRPCMessageDeframer.frame([1, 2, 3]))
        #expect(try deframer.nextMessage() == [1, 2, 3])
        #expect(try deframer.nextMessage() == nil)
        #expect(!deframer.hasPartialMessage)
    }

    @Test("messages split byte by byte come out whole, once each")
    func byteByByte() throws {
        let messages: [[UInt8]] = [Array(0..<200), [], [42], Array(repeating: 0xFF, count: 70)]
        let stream = messages.flatMap(GRPCMessageDeframer.frame)
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        var received: [[UInt8]] = []
        for byte in stream {
            deframer.append([byte])
            received += try deframer.drain()
        }
        #expect(received == messages)
        #expect(!deframer.hasPartialMessage)
    }

    @Test("messages split at every possible point come out whole", arguments: [1, 2, 3, 4, 5, 6, 7, 13])
    func chunked(chunkSize: Int) throws {
        let messages: [[UInt8]] = [Array(0..<30), [], Array(100..<103), Array(repeating: 9, count: 17)]
        let stream = messages.flatMap(GRPCMessageDeframer.frame)
        var deframer = GRPCMessageDeframer(maximumMessageSize: 64)
        var received: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            deframer.append(Array(stream[offset..<end]))
            received += try deframer.drain()
            offset = end
        }
        #expect(received == messages)
    }

    @Test("several messages in one append all come out, in order")
    func severalInOneAppend() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        deframer.append(
            GRPCMessageDeframer.frame([1]) + GRPCMessageDeframer.frame([2, 2]) + GRPCMessageDeframer.frame([3, 3, 3])
        )
        #expect(try deframer.drain() == [[1], [2, 2], [3, 3, 3]])
        #expect(!deframer.hasPartialMessage)
    }

    @Test("several messages framed at once are each framed, in order, and deframe back")
    func frameSeveral() throws {
        let messages: [[UInt8]] = [[1, 2, 3], [], [0xFF]]
        let framed = GRPCMessageDeframer.frame(contentsOf: messages)
        #expect(framed == messages.flatMap { GRPCMessageDeframer.frame($0) })
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        deframer.append(framed)
        for message in messages { #expect(try deframer.nextMessage() == message) }
        #expect(try deframer.nextMessage() == nil)
        #expect(GRPCMessageDeframer.frame(contentsOf: []).isEmpty)
    }

    @Test("an empty message is a message, not the end")
    func emptyMessage() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        deframer.append(GRPCMessageDeframer.frame([]) + GRPCMessageDeframer.frame([]))
        #expect(try deframer.nextMessage() == [])
        #expect(try deframer.nextMessage() == [])
        #expect(try deframer.nextMessage() == nil)
    }

    @Test("hasPartialMessage tells whether an unfinished message is buffered")
    func partialMessage() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        #expect(!deframer.hasPartialMessage)
        let framed = GRPCMessageDeframer.frame([1, 2, 3, 4])
        deframer.append(Array(framed.prefix(3)))
        #expect(deframer.hasPartialMessage)
        #expect(try deframer.nextMessage() == nil)
        deframer.append(Array(framed[3..<7]))
        #expect(try deframer.nextMessage() == nil)
        #expect(deframer.hasPartialMessage)
        deframer.append(Array(framed[7...]))
        #expect(try deframer.nextMessage() == [1, 2, 3, 4])
        #expect(!deframer.hasPartialMessage)
    }

    @Test("a set compressed flag is an error", arguments: [1, 0x80, 0xFF] as [UInt8])
    func compressed(flag: UInt8) {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1024)
        deframer.append([flag, 0, 0, 0, 1, 42])
        #expect(throws: GRPCMessageDeframer.Failure.compressedMessage) { try deframer.nextMessage() }
    }

    @Test("a length over the limit is an error before the message arrives")
    func tooLarge() {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 100)
        deframer.append([0, 0, 0, 0, 101])
        #expect(throws: GRPCMessageDeframer.Failure.messageTooLarge(101)) { try deframer.nextMessage() }
    }

    @Test("the largest declared length is reported, not wrapped")
    func hugeLength() {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 4 * 1024 * 1024)
        deframer.append([0, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: GRPCMessageDeframer.Failure.messageTooLarge(0xFFFF_FFFF)) { try deframer.nextMessage() }
    }

    @Test("a message exactly at the limit is accepted")
    func atLimit() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 100)
        let message = [UInt8](repeating: 1, count: 100)
        deframer.append(GRPCMessageDeframer.frame(message))
        #expect(try deframer.nextMessage() == message)
    }

    @Test("a message behind many consumed ones survives buffer compaction")
    func compaction() throws {
        // Past 64 KiB of consumed bytes the deframer drops them; a partial message must stay intact.
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1 << 20)
        let big = [UInt8](repeating: 3, count: 70_000)
        let last = Array((0..<1000).map { UInt8(truncatingIfNeeded: $0) })
        let framedLast = GRPCMessageDeframer.frame(last)
        deframer.append(GRPCMessageDeframer.frame(big) + framedLast.prefix(10))
        #expect(try deframer.nextMessage() == big)
        #expect(try deframer.nextMessage() == nil)
        deframer.append(Array(framedLast[10..<500]))
        #expect(try deframer.nextMessage() == nil)
        deframer.append(Array(framedLast[500...]))
        #expect(try deframer.nextMessage() == last)
        #expect(!deframer.hasPartialMessage)
    }

    @Test("a prefix that claims a huge message reserves nothing: memory grows with the bytes that arrive")
    func claimedLengthReservesNothing() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: Int(Int32.max))
        deframer.append([0, 0x40, 0, 0, 0])  // claims 1 GiB
        #expect(try deframer.nextMessage() == nil)
        #expect(deframer.capacity < 1 << 20)
        deframer.append([UInt8](repeating: 1, count: 100_000))
        #expect(try deframer.nextMessage() == nil)
        #expect(deframer.capacity < 1 << 20)
        #expect(deframer.hasPartialMessage)
    }
}
