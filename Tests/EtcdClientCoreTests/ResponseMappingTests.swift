import Testing
import _EtcdWire

@testable import EtcdClientCore

private func header(revision: Int64) -> EtcdserverPB.ResponseHeader {
    var header = EtcdserverPB.ResponseHeader()
    header.clusterId = 0xC1
    header.memberId = 0xFFFF_FFFF_FFFF_FFFE
    header.revision = revision
    header.raftTerm = 7
    return header
}

private func keyValue(_ key: String, _ value: String, lease: Int64 = 0, revision: Int64 = 5) -> MvccPB.KeyValue {
    var kv = MvccPB.KeyValue()
    kv.key = Array(key.utf8)
    kv.value = Array(value.utf8)
    kv.createRevision = revision - 1
    kv.modRevision = revision
    kv.version = 2
    kv.lease = lease
    return kv
}

private func responseOp(_ response: EtcdserverPB.ResponseOp.Response) -> EtcdserverPB.ResponseOp {
    var operation = EtcdserverPB.ResponseOp()
    operation.response = response
    return operation
}

@Suite("Response mapping")
struct ResponseMappingTests {
    @Test("a range response keeps the header, key-values, more flag and count")
    func getResponse() {
        var response = EtcdserverPB.RangeResponse()
        response.header = header(revision: 12)
        response.kvs = [keyValue("a", "1"), keyValue("b", "2", lease: 0x6A)]
        response.more = true
        response.count = 5
        let mapped = EtcdGetResponse(response)
        #expect(
            mapped.header
                == EtcdResponseHeader(clusterID: 0xC1, memberID: 0xFFFF_FFFF_FFFF_FFFE, revision: 12, raftTerm: 7)
        )
        #expect(mapped.keyValues.map(\.key) == ["a", "b"])
        #expect(mapped.keyValues.map(\.stringValue) == ["1", "2"])
        #expect(mapped.hasMore)
        #expect(mapped.count == 5)
    }

    @Test("a response without a header gets a zero header")
    func missingHeader() {
        let mapped = EtcdGetResponse(EtcdserverPB.RangeResponse())
        #expect(mapped.header == EtcdResponseHeader(clusterID: 0, memberID: 0, revision: 0, raftTerm: 0))
        #expect(mapped.keyValues.isEmpty)
        #expect(!mapped.hasMore)
        #expect(mapped.count == 0)
    }

    @Test("a key-value keeps every field; lease 0 means no lease")
    func keyValueFields() {
        let plain = EtcdKeyValue(keyValue("k", "v", lease: 0, revision: 9))
        #expect(plain.key == "k")
        #expect(plain.value == Array("v".utf8))
        #expect(plain.createRevision == 8)
        #expect(plain.modRevision == 9)
        #expect(plain.version == 2)
        #expect(plain.lease == nil)

        let leased = EtcdKeyValue(keyValue("k", "v", lease: 0x6A6C_A213_4AD5_CB05))
        #expect(leased.lease == EtcdLeaseID(rawValue: 0x6A6C_A213_4AD5_CB05))
    }

    @Test("a key-value's description never shows the value")
    func keyValueDescription() {
        let kv = EtcdKeyValue(keyValue("secret/key", "hunter2", revision: 9))
        #expect(!kv.description.contains("hunter2"))
        #expect(kv.description.contains("secret/key"))
        #expect(kv.description.contains("valueBytes: 7"))
    }

    @Test("stringValue of a key-value is nil for values that are not UTF-8")
    func keyValueStringValue() {
        let kv = EtcdKeyValue(key: "k", value: [0xFF], createRevision: 1, modRevision: 1, version: 1, lease: nil)
        #expect(kv.stringValue == nil)
    }

    @Test("put and delete responses keep their previous key-values")
    func putAndDelete() {
        var put = EtcdserverPB.PutResponse()
        put.header = header(revision: 3)
        #expect(EtcdPutResponse(put).previous == nil)
        put.prevKv = keyValue("a", "old")
        #expect(EtcdPutResponse(put).previous?.stringValue == "old")
        #expect(EtcdPutResponse(put).header.revision == 3)

        var delete = EtcdserverPB.DeleteRangeResponse()
        delete.header = header(revision: 4)
        delete.deleted = 2
        delete.prevKvs = [keyValue("a", "1"), keyValue("b", "2")]
        let mapped = EtcdDeleteResponse(delete)
        #expect(mapped.deleted == 2)
        #expect(mapped.previous.map(\.key) == ["a", "b"])
        #expect(mapped.header.revision == 4)
    }

    @Test("a transaction response keeps the results in order, nested ones included")
    func txnResponse() throws {
        var range = EtcdserverPB.RangeResponse()
        range.kvs = [keyValue("a", "1")]
        range.count = 1
        var put = EtcdserverPB.PutResponse()
        put.prevKv = keyValue("b", "old")
        var delete = EtcdserverPB.DeleteRangeResponse()
        delete.deleted = 3
        var inner = EtcdserverPB.TxnResponse()
        inner.succeeded = false
        inner.responses = [responseOp(.responseRange(EtcdserverPB.RangeResponse()))]

        var response = EtcdserverPB.TxnResponse()
        response.header = header(revision: 20)
        response.succeeded = true
        response.responses = [
            responseOp(.responseRange(range)),
            responseOp(.responsePut(put)),
            responseOp(.responseDeleteRange(delete)),
            responseOp(.responseTxn(inner)),
        ]

        let mapped = try EtcdTxnResponse(response)
        #expect(mapped.succeeded)
        #expect(mapped.header.revision == 20)
        try #require(mapped.responses.count == 4)
        guard case .get(let get) = mapped.responses[0] else {
            Issue.record("not a get: \(mapped.responses[0])"); return
        }
        #expect(get.keyValues.map(\.key) == ["a"])
        #expect(get.count == 1)
        guard case .put(let putResult) = mapped.responses[1] else {
            Issue.record("not a put: \(mapped.responses[1])"); return
        }
        #expect(putResult.previous?.key == "b")
        guard case .delete(let deleteResult) = mapped.responses[2] else {
            Issue.record("not a delete: \(mapped.responses[2])"); return
        }
        #expect(deleteResult.deleted == 3)
        guard case .txn(let nested) = mapped.responses[3] else {
            Issue.record("not a txn: \(mapped.responses[3])"); return
        }
        #expect(!nested.succeeded)
        #expect(nested.responses.count == 1)
        guard case .get = nested.responses.first else { Issue.record("nested result is not a get"); return }
    }

    @Test("a transaction result without a response is a malformed response")
    func emptyResponseOp() {
        var response = EtcdserverPB.TxnResponse()
        response.responses = [responseOp(.responsePut(EtcdserverPB.PutResponse())), EtcdserverPB.ResponseOp()]
        let error = #expect(throws: EtcdError.self) { try EtcdTxnResponse(response) }
        #expect(error?.code == .malformedResponse)
    }

    @Test("a nested transaction result without a response is a malformed response")
    func emptyNestedResponseOp() {
        var inner = EtcdserverPB.TxnResponse()
        inner.responses = [EtcdserverPB.ResponseOp()]
        var response = EtcdserverPB.TxnResponse()
        response.responses = [responseOp(.responseTxn(inner))]
        let error = #expect(throws: EtcdError.self) { try EtcdTxnResponse(response) }
        #expect(error?.code == .malformedResponse)
    }

    @Test("a transaction with no results maps to no responses")
    func emptyTxn() throws {
        let mapped = try EtcdTxnResponse(EtcdserverPB.TxnResponse())
        #expect(!mapped.succeeded)
        #expect(mapped.responses.isEmpty)
    }
}

@Suite("EtcdLeaseID")
struct EtcdLeaseIDTests {
    @Test(
        "description is lower-case hexadecimal without padding",
        arguments: [
            (Int64(0x6A6C_A213_4AD5_CB05), "6a6ca2134ad5cb05"),
            (255, "ff"),
            (1, "1"),
            (0, "0"),
            (0x0ABC, "abc"),
            (Int64.max, "7fffffffffffffff"),
            (-1, "ffffffffffffffff"),
            (Int64.min, "8000000000000000"),
        ]
    )
    func description(rawValue: Int64, expected: String) {
        #expect(EtcdLeaseID(rawValue: rawValue).description == expected)
    }
}
