import Testing
import _EtcdWire

@Suite("Round trips")
struct RoundTripTests {
    @Test("decode(encode(x)) == x and serializedSize is exact", arguments: GoldenSample.all)
    func roundTrip(sample: GoldenSample) throws {
        let bytes = sample.encoded()
        #expect(bytes.count == sample.serializedSize())
        #expect(try sample.decodesToValue(bytes))
    }

    @Test("a default message encodes to no bytes and decodes from none")
    func defaultMessages() throws {
        for (name, type) in GoldenSample.allMessageTypes {
            let message = type.init()
            #expect(message.serializedBytes().isEmpty, "\(name)")
            #expect(message.serializedSize == 0, "\(name)")
            _ = try type.init(serializedBytes: [UInt8]())
        }
    }

    @Test("decoding from an ArraySlice with a non-zero start index")
    func decodesFromSlice() throws {
        var put = EtcdserverPB.PutRequest()
        put.key = Array("foo".utf8)
        put.value = Array("bar".utf8)
        put.lease = 42
        let framed = put.grpcFramedBytes()
        #expect(Array(framed.prefix(5)) == [0, 0, 0, 0, UInt8(put.serializedSize)])
        #expect(try EtcdserverPB.PutRequest(serializedBytes: framed[5...]) == put)
    }

    @Test("nested transactions round trip")
    func nestedTransactions() throws {
        var inner = EtcdserverPB.TxnRequest()
        var put = EtcdserverPB.PutRequest()
        put.key = [1]
        var putOp = EtcdserverPB.RequestOp()
        putOp.request = .requestPut(put)
        inner.success = [putOp]
        var txn = EtcdserverPB.TxnRequest()
        for depth in 0..<40 {
            var op = EtcdserverPB.RequestOp()
            op.request = .requestTxn(depth == 0 ? inner : txn)
            txn = EtcdserverPB.TxnRequest()
            txn.failure = [op]
        }
        let bytes = txn.serializedBytes()
        #expect(bytes.count == txn.serializedSize)
        #expect(try EtcdserverPB.TxnRequest(serializedBytes: bytes) == txn)
    }
}
