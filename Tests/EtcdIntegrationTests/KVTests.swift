import EtcdClientCore
import Testing
import _EtcdTestSupport

@Suite("Key-value against a real etcd", .timeLimit(.minutes(1)))
struct KVTests {
    @Test("put then get returns the value, revisions and version")
    func putThenGet() async throws {
        try await SharedEtcd.withClient { etcd in
            let key = EtcdKey(SharedEtcd.uniquePrefix("putget") + "a")
            let put = try await etcd.put(key, value: "hello")
            #expect(put.header.revision > 0)
            #expect(put.header.clusterID != 0)
            #expect(put.header.memberID != 0)
            #expect(put.header.raftTerm > 0)
            let kv = try #require(try await etcd.get(key))
            #expect(kv.stringValue == "hello")
            #expect(kv.key == key)
            #expect(kv.createRevision == put.header.revision)
            #expect(kv.modRevision == put.header.revision)
            #expect(kv.version == 1)
            #expect(kv.lease == nil)
        }
    }
}
