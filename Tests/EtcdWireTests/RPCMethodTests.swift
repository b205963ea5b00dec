import Foundation
import Testing
import _EtcdWire

@Suite("gRPC method descriptions")
struct RPCMethodTests {
    @Test("paths and streaming flags of well-known methods")
    func wellKnownMethods() {
        #expect(EtcdserverPB.KVService.Range.path == "/etcdserverpb.KV/Range")
        #expect(EtcdserverPB.KVService.Range.Request.self == EtcdserverPB.RangeRequest.self)
        #expect(EtcdserverPB.KVService.Range.Response.self == EtcdserverPB.RangeResponse.self)
        #expect(!EtcdserverPB.KVService.Txn.isClientStreaming && !EtcdserverPB.KVService.Txn.isServerStreaming)
        #expect(EtcdserverPB.WatchService.Watch.isClientStreaming && EtcdserverPB.WatchService.Watch.isServerStreaming)
        #expect(EtcdserverPB.LeaseService.LeaseKeepAlive.isClientStreaming)
        #expect(EtcdserverPB.MaintenanceService.Snapshot.isServerStreaming)
        #expect(!EtcdserverPB.MaintenanceService.Snapshot.isClientStreaming)
        #expect(V3LockPB.LockService.Lock.path == "/v3lockpb.Lock/Lock")
        #expect(V3ElectionPB.ElectionService.Campaign.path == "/v3electionpb.Election/Campaign")
        #expect(V3ElectionPB.ElectionService.Observe.isServerStreaming)
    }

    @Test("every rpc of the .proto files is described")
    func everyRPC() throws {
        try Protoc.checkAvailable()
        var expected: [String: (Bool, Bool)] = [:]
        for file in Protoc.etcdProtoFiles {
            let text = try String(contentsOfFile: "\(Protoc.goSource)/go.etcd.io/\(file)", encoding: .utf8)
            var package = ""
            var service = ""
            for rawLine in text.split(separator: "\n") {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                let words = line.split(whereSeparator: { " (){;".contains($0) })
                if line.hasPrefix("package ") {
                    package = String(words[1])
                } else if line.hasPrefix("service ") {
                    service = String(words[1])
                } else if line.hasPrefix("rpc ") {
                    let parts = line.components(separatedBy: "returns")
                    expected["/\(package).\(service)/\(words[1])"] = (
                        parts[0].contains("(stream "), parts[1].contains("(stream ")
                    )
                }
            }
        }
        #expect(expected.count == 46)
        #expect(EtcdRPCMethods.all.count == expected.count)
        for method in EtcdRPCMethods.all {
            let flags = try #require(expected[method.path], "unexpected method \(method.path)")
            #expect(flags.0 == method.isClientStreaming, "\(method.path)")
            #expect(flags.1 == method.isServerStreaming, "\(method.path)")
        }
    }
}
