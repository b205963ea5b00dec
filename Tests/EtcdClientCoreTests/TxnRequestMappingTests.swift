import Testing
import _EtcdWire

@testable import EtcdClientCore

@Suite("Transaction request mapping")
struct TxnRequestMappingTests {
    @Test(
        "comparison operators land in result",
        arguments: [
            (EtcdCompare.Operator.equal, EtcdserverPB.Compare.CompareResult.equal),
            (.notEqual, .notEqual),
            (.less, .less),
            (.greater, .greater),
        ]
    )
    func operators(comparison: EtcdCompare.Operator, expected: EtcdserverPB.Compare.CompareResult) {
        let message = EtcdCompare.version("k", comparison, 3).message
        #expect(message.result == expected)
    }

    @Test(
        "comparison targets land in target and the matching target_union field",
        arguments: [
            (
                EtcdCompare.value("k", .equal, "v"), EtcdserverPB.Compare.CompareTarget.value,
                EtcdserverPB.Compare.TargetUnion.value([0x76])
            ),
            (.value("k", .equal, [0xFF, 0x00] as [UInt8]), .value, .value([0xFF, 0x00])),
            (.version("k", .equal, 4), .version, .version(4)),
            (.createRevision("k", .equal, 5), .create, .createRevision(5)),
            (.modRevision("k", .equal, 6), .mod, .modRevision(6)),
            (.lease("k", .equal, EtcdLeaseID(rawValue: 0x1234)), .lease, .lease(0x1234)),
            (.lease("k", .equal, nil), .lease, .lease(0)),
        ]
    )
    func targets(
        compare: EtcdCompare,
        target: EtcdserverPB.Compare.CompareTarget,
        union: EtcdserverPB.Compare.TargetUnion
    ) {
        let message = compare.message
        #expect(message.key == Array("k".utf8))
        #expect(message.target == target)
        #expect(message.targetUnion == union)
        #expect(message.rangeEnd == [])
    }

    @Test("missing is creation revision equal to 0")
    func missing() {
        let message = EtcdCompare.missing("lock").message
        var expected = EtcdserverPB.Compare()
        expected.key = Array("lock".utf8)
        expected.result = .equal
        expected.target = .create
        expected.targetUnion = .createRevision(0)
        #expect(message == expected)
        // proto3 drops default values; the oneof must still be present on the wire.
        #expect(message.serializedSize > 0)
        #expect(EtcdCompare.missing("lock") == .createRevision("lock", .equal, 0))
    }

    @Test("exists is creation revision greater than 0")
    func exists() {
        let message = EtcdCompare.exists("lock").message
        #expect(message.result == .greater)
        #expect(message.target == .create)
        #expect(message.targetUnion == .createRevision(0))
    }

    @Test("a zero target is still sent in the oneof")
    func zeroTargetEncoded() throws {
        let message = EtcdCompare.version("k", .equal, 0).message
        let decoded = try EtcdserverPB.Compare(serializedBytes: message.serializedBytes())
        #expect(decoded.targetUnion == .version(0))
    }

    @Test(
        "operations land in the matching request_op field",
        arguments: [
            EtcdOperation.get("a"),
            .get(EtcdGetRequest(.prefix("a"), limit: 3)),
            .put("a", value: "v"),
            .put(EtcdPutRequest("a", value: .keepCurrent, lease: .keepCurrent)),
            .delete("a"),
            .delete(.prefix("a"), includePrevious: true),
            .txn(if: [.missing("a")], then: [.put("a", value: "v")]),
        ]
    )
    func operations(operation: EtcdOperation) throws {
        let request = try #require(operation.message.request)
        switch (operation.kind, request) {
        case (.get(let get), .requestRange(let range)): #expect(range == get.message)
        case (.put(let put), .requestPut(let message)): #expect(message == put.message)
        case (.delete(let delete), .requestDeleteRange(let message)): #expect(message == delete.message)
        case (.txn(let txn), .requestTxn(let message)): #expect(message == txn.message)
        default: Issue.record("\(operation.kind) became \(request)")
        }
    }

    @Test("operation shorthands build the expected requests")
    func shorthands() throws {
        guard case .requestRange(let get)? = EtcdOperation.get("a").message.request else {
            Issue.record("get is not a range request")
            return
        }
        #expect(get.key == Array("a".utf8))
        #expect(get.rangeEnd == [])

        guard
            case .requestPut(let put)? = EtcdOperation.put(
                "a",
                value: "v",
                lease: EtcdLeaseID(rawValue: 9),
                includePrevious: true
            ).message.request
        else {
            Issue.record("put is not a put request")
            return
        }
        #expect(put.value == Array("v".utf8))
        #expect(put.lease == 9)
        #expect(put.prevKv)

        guard case .requestDeleteRange(let delete)? = EtcdOperation.delete("a", includePrevious: true).message.request
        else {
            Issue.record("delete is not a delete request")
            return
        }
        #expect(delete.key == Array("a".utf8))
        #expect(delete.rangeEnd == [])
        #expect(delete.prevKv)
    }

    @Test("a transaction keeps conditions and branches in order")
    func txn() {
        let request = EtcdTxnRequest(
            if: [.missing("a"), .value("b", .notEqual, "x")],
            then: [.put("a", value: "1"), .get("b")],
            else: [.delete("a"), .get("c"), .get("d")]
        )
        let message = request.message
        #expect(message.compare == [EtcdCompare.missing("a").message, EtcdCompare.value("b", .notEqual, "x").message])
        #expect(message.success == [EtcdOperation.put("a", value: "1").message, EtcdOperation.get("b").message])
        #expect(
            message.failure == [
                EtcdOperation.delete("a").message, EtcdOperation.get("c").message, EtcdOperation.get("d").message,
            ]
        )
    }

    @Test("an else branch defaults to empty")
    func emptyElse() {
        let message = EtcdTxnRequest(if: [], then: [.get("a")]).message
        #expect(message.compare.isEmpty)
        #expect(message.success.count == 1)
        #expect(message.failure.isEmpty)
    }

    @Test("nested transactions keep their own conditions and branches")
    func nested() throws {
        let inner = EtcdOperation.txn(if: [.exists("x")], then: [.delete("x")], else: [.put("x", value: "0")])
        let message = EtcdTxnRequest(if: [], then: [inner]).message
        guard case .requestTxn(let nested)? = try #require(message.success.first).request else {
            Issue.record("the nested operation is not a transaction")
            return
        }
        #expect(nested.compare == [EtcdCompare.exists("x").message])
        #expect(nested.success == [EtcdOperation.delete("x").message])
        #expect(nested.failure == [EtcdOperation.put("x", value: "0").message])
    }
}
