import Testing
import _EtcdWire

@testable import EtcdClientCore

@Suite("KV request mapping")
struct KVRequestMappingTests {
    @Test("a default read is a linearizable read of all values at the latest revision")
    func defaultGet() {
        let message = EtcdGetRequest(.key("a")).message
        var expected = EtcdserverPB.RangeRequest()
        expected.key = Array("a".utf8)
        #expect(message == expected)
        #expect(message.rangeEnd == [])
        #expect(message.revision == 0)
        #expect(message.limit == 0)
        #expect(message.sortOrder == .none)
        #expect(!message.serializable)
        #expect(!message.keysOnly)
        #expect(!message.countOnly)
    }

    @Test("the range lands in key and range_end")
    func getRange() {
        let message = EtcdGetRequest(.prefix("config/")).message
        #expect(message.key == Array("config/".utf8))
        #expect(message.rangeEnd == Array("config0".utf8))
        let all = EtcdGetRequest(.all).message
        #expect(all.key == [0])
        #expect(all.rangeEnd == [0])
    }

    @Test("revision and limit land in their fields")
    func revisionAndLimit() {
        let message = EtcdGetRequest(.prefix("a"), revision: 42, limit: 10).message
        #expect(message.revision == 42)
        #expect(message.limit == 10)
    }

    @Test(
        "sort lands in sort_order and sort_target",
        arguments: [
            (
                EtcdSort.descending(by: .modRevision), EtcdserverPB.RangeRequest.SortOrder.descend,
                EtcdserverPB.RangeRequest.SortTarget.mod
            ),
            (.ascending(by: .key), .ascend, .key),
            (.descending(by: .key), .descend, .key),
            (.ascending(by: .version), .ascend, .version),
            (.ascending(by: .createRevision), .ascend, .create),
            (.descending(by: .value), .descend, .value),
            (EtcdSort(target: .modRevision, order: .ascending), .ascend, .mod),
        ]
    )
    func sort(sort: EtcdSort, order: EtcdserverPB.RangeRequest.SortOrder, target: EtcdserverPB.RangeRequest.SortTarget)
    {
        let message = EtcdGetRequest(.prefix("a"), sort: sort).message
        #expect(message.sortOrder == order)
        #expect(message.sortTarget == target)
    }

    @Test("serializable consistency sets serializable")
    func serializable() {
        #expect(EtcdGetRequest(.key("a"), consistency: .serializable).message.serializable)
        #expect(!EtcdGetRequest(.key("a"), consistency: .linearizable).message.serializable)
    }

    @Test(
        "the output lands in keys_only and count_only",
        arguments: [
            (EtcdGetRequest.Output.keysAndValues, false, false),
            (.keysOnly, true, false),
            (.countOnly, false, true),
        ]
    )
    func output(output: EtcdGetRequest.Output, keysOnly: Bool, countOnly: Bool) {
        let message = EtcdGetRequest(.prefix("a"), output: output).message
        #expect(message.keysOnly == keysOnly)
        #expect(message.countOnly == countOnly)
    }

    @Test("revision bounds land in the min and max fields, open sides as 0")
    func revisionBounds() {
        let message = EtcdGetRequest(
            .prefix("a"),
            modRevision: .within(5...9),
            createRevision: .atLeast(3)
        ).message
        #expect(message.minModRevision == 5)
        #expect(message.maxModRevision == 9)
        #expect(message.minCreateRevision == 3)
        #expect(message.maxCreateRevision == 0)

        let other = EtcdGetRequest(
            .prefix("a"),
            modRevision: .atMost(7),
            createRevision: EtcdRevisionBounds(minimum: 1, maximum: 2)
        ).message
        #expect(other.minModRevision == 0)
        #expect(other.maxModRevision == 7)
        #expect(other.minCreateRevision == 1)
        #expect(other.maxCreateRevision == 2)
    }

    @Test("a put of a value sends the key, the value and no lease")
    func put() {
        let message = EtcdPutRequest("a", value: "hello").message
        var expected = EtcdserverPB.PutRequest()
        expected.key = Array("a".utf8)
        expected.value = Array("hello".utf8)
        #expect(message == expected)
        #expect(message.lease == 0)
        #expect(!message.ignoreValue)
        #expect(!message.ignoreLease)
        #expect(!message.prevKv)
    }

    @Test("a put of bytes sends them unchanged")
    func putBytes() {
        let bytes: [UInt8] = [0, 0xFF, 0x80, 10]
        #expect(EtcdPutRequest("a", value: bytes).message.value == bytes)
        #expect(EtcdPutRequest("a", value: bytes[1...]).message.value == [0xFF, 0x80, 10])
        #expect(EtcdPutRequest("a", value: "xé".dropFirst()).message.value == [0xC3, 0xA9])
    }

    @Test("a put with a lease sends its ID")
    func putLease() {
        let lease = EtcdLeaseID(rawValue: 0x6A6C_A213_4AD5_CB05)
        #expect(EtcdPutRequest("a", value: "v", lease: lease).message.lease == 0x6A6C_A213_4AD5_CB05)
        #expect(EtcdPutRequest("a", value: .set([1]), lease: .id(lease)).message.lease == 0x6A6C_A213_4AD5_CB05)
        #expect(EtcdPutRequest("a", value: .set([1]), lease: .none).message.lease == 0)
    }

    @Test("keeping the current lease sets ignore_lease and sends the value")
    func keepLease() {
        let message = EtcdPutRequest("a", value: .set([1, 2]), lease: .keepCurrent).message
        #expect(message.ignoreLease)
        #expect(message.lease == 0)
        #expect(message.value == [1, 2])
        #expect(!message.ignoreValue)
    }

    @Test("keeping the current value sets ignore_value and sends no value")
    func keepValue() {
        let lease = EtcdLeaseID(rawValue: 7)
        let message = EtcdPutRequest("a", value: .keepCurrent, lease: .id(lease)).message
        #expect(message.ignoreValue)
        #expect(message.value == [])
        #expect(message.lease == 7)
        #expect(!message.ignoreLease)
    }

    @Test("includePrevious sets prev_kv on puts and deletions")
    func previous() {
        #expect(EtcdPutRequest("a", value: "v", includePrevious: true).message.prevKv)
        #expect(EtcdDeleteRequest(.key("a"), includePrevious: true).message.prevKv)
        #expect(!EtcdDeleteRequest(.key("a")).message.prevKv)
    }

    @Test("a deletion sends its range in key and range_end")
    func delete() {
        let message = EtcdDeleteRequest(.prefix(EtcdKey(bytes: [0x61, 0xFF]))).message
        #expect(message.key == [0x61, 0xFF])
        #expect(message.rangeEnd == [0x62])
        let single = EtcdDeleteRequest(.key("k")).message
        #expect(single.key == Array("k".utf8))
        #expect(single.rangeEnd == [])
    }
}
