import Testing
import _EtcdWire

@testable import EtcdClientCore

@Suite("Key namespace rewriting")
struct KeyNamespaceTests {
    private let namespace = KeyNamespace(prefix: Array("app/".utf8))
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("ranges stay inside the prefix: one key, a prefix, a range, from a key, and all keys")
    func ranges() {
        #expect(namespace.prefixed(.key("k")) == .raw(start: bytes("app/k"), end: []))
        #expect(namespace.prefixed(.prefix("k")) == .raw(start: bytes("app/k"), end: bytes("app/l")))
        #expect(namespace.prefixed(.range(from: "a", to: "c")) == .raw(start: bytes("app/a"), end: bytes("app/c")))
        #expect(namespace.prefixed(.from("m")) == .raw(start: bytes("app/m"), end: bytes("app0")))
        #expect(namespace.prefixed(.all) == .raw(start: bytes("app/") + [0], end: bytes("app0")))
        let high = KeyNamespace(prefix: [0x61, 0xFF])
        #expect(high.prefixed(.from("x")) == .raw(start: [0x61, 0xFF, 0x78], end: [0x62]))
        #expect(KeyNamespace(prefix: [0xFF]).prefixed(.all) == .raw(start: [0xFF, 0], end: [0]))
    }

    @Test("an empty key stays empty, so that etcd refuses it")
    func emptyKey() {
        var put = EtcdserverPB.PutRequest()
        put.key = []
        #expect(namespace.prefixed(put).key.isEmpty)
    }

    @Test("a transaction's compares, operations and nested transactions are prefixed; its responses stripped")
    func transaction() {
        let request = EtcdTxnRequest(
            if: [.value("a", .equal, "1"), .version(.prefix("p/"), .greater, 0)],
            then: [.put("b", value: "2"), .txn(if: [], then: [.delete(.all)])],
            else: [.get("c")]
        ).message
        let prefixed = namespace.prefixed(request)
        #expect(prefixed.compare.map(\.key) == [bytes("app/a"), bytes("app/p/")])
        #expect(prefixed.compare.map(\.rangeEnd) == [[], bytes("app/p0")])
        guard case .requestPut(let put)? = prefixed.success.first?.request,
            case .requestTxn(let nested)? = prefixed.success.last?.request,
            case .requestDeleteRange(let delete)? = nested.success.first?.request,
            case .requestRange(let get)? = prefixed.failure.first?.request
        else {
            Issue.record("unexpected shape: \(prefixed)")
            return
        }
        #expect(put.key == bytes("app/b"))
        #expect(delete.key == bytes("app/") + [0] && delete.rangeEnd == bytes("app0"))
        #expect(get.key == bytes("app/c"))

        var keyValue = MvccPB.KeyValue()
        keyValue.key = bytes("app/c")
        var range = EtcdserverPB.RangeResponse()
        range.kvs = [keyValue]
        var inner = EtcdserverPB.TxnResponse()
        var rangeOperation = EtcdserverPB.ResponseOp()
        rangeOperation.response = .responseRange(range)
        inner.responses = [rangeOperation]
        var response = EtcdserverPB.TxnResponse()
        var txnOperation = EtcdserverPB.ResponseOp()
        txnOperation.response = .responseTxn(inner)
        response.responses = [txnOperation]
        guard case .responseTxn(let strippedInner)? = namespace.stripped(response).responses.first?.response,
            case .responseRange(let strippedRange)? = strippedInner.responses.first?.response
        else {
            Issue.record("unexpected shape")
            return
        }
        #expect(strippedRange.kvs.map(\.key) == [bytes("c")])
    }

    @Test("keys come back without the prefix; lease keys outside it are left out")
    func stripping() {
        #expect(namespace.stripped(bytes("app/k")) == bytes("k"))
        #expect(namespace.stripped(bytes("other/k")) == nil)
        #expect(
            namespace.stripped(leaseKeys: [bytes("app/a"), bytes("zzz"), bytes("app/b")]) == [bytes("a"), bytes("b")]
        )
        let event = EtcdWatchEvent(
            kind: .put,
            keyValue: EtcdKeyValue(key: "app/k", value: [], createRevision: 1, modRevision: 2, version: 1, lease: nil),
            previous: nil
        )
        let response = EtcdWatchResponse(header: EtcdResponseHeader(nil), events: [event])
        #expect(namespace.stripped(response).events.first?.keyValue.key == "k")
    }
}
