import _EtcdWire

/// The protobuf reader over every response message of the etcd API.
///
/// The input's first byte picks the message type, the rest is decoded as that message. Invariants: decoding never
/// traps (malformed bytes throw `ProtobufDecodingError`); a decoded message encodes to exactly `serializedSize`
/// bytes, and those bytes decode to an equal message.
enum ProtobufReaderFuzzing {
    /// Every message type the client decodes from a server: the response of each method.
    static let messageTypes: [any ProtobufMessage.Type] = [
        EtcdserverPB.RangeResponse.self, EtcdserverPB.PutResponse.self, EtcdserverPB.DeleteRangeResponse.self,
        EtcdserverPB.TxnResponse.self, EtcdserverPB.CompactionResponse.self, EtcdserverPB.WatchResponse.self,
        EtcdserverPB.LeaseGrantResponse.self, EtcdserverPB.LeaseRevokeResponse.self,
        EtcdserverPB.LeaseKeepAliveResponse.self, EtcdserverPB.LeaseTimeToLiveResponse.self,
        EtcdserverPB.LeaseLeasesResponse.self, EtcdserverPB.MemberAddResponse.self,
        EtcdserverPB.MemberRemoveResponse.self, EtcdserverPB.MemberUpdateResponse.self,
        EtcdserverPB.MemberListResponse.self, EtcdserverPB.MemberPromoteResponse.self,
        EtcdserverPB.AlarmResponse.self, EtcdserverPB.StatusResponse.self, EtcdserverPB.DefragmentResponse.self,
        EtcdserverPB.HashResponse.self, EtcdserverPB.HashKVResponse.self, EtcdserverPB.SnapshotResponse.self,
        EtcdserverPB.MoveLeaderResponse.self, EtcdserverPB.AuthEnableResponse.self,
        EtcdserverPB.AuthDisableResponse.self, EtcdserverPB.AuthenticateResponse.self,
        EtcdserverPB.AuthUserAddResponse.self, EtcdserverPB.AuthUserGetResponse.self,
        EtcdserverPB.AuthUserListResponse.self, EtcdserverPB.AuthUserDeleteResponse.self,
        EtcdserverPB.AuthUserChangePasswordResponse.self, EtcdserverPB.AuthUserGrantRoleResponse.self,
        EtcdserverPB.AuthUserRevokeRoleResponse.self, EtcdserverPB.AuthRoleAddResponse.self,
        EtcdserverPB.AuthRoleGetResponse.self, EtcdserverPB.AuthRoleListResponse.self,
        EtcdserverPB.AuthRoleDeleteResponse.self, EtcdserverPB.AuthRoleGrantPermissionResponse.self,
        EtcdserverPB.AuthRoleRevokePermissionResponse.self, V3LockPB.LockResponse.self,
        V3LockPB.UnlockResponse.self, V3ElectionPB.CampaignResponse.self, V3ElectionPB.ProclaimResponse.self,
        V3ElectionPB.LeaderResponse.self, V3ElectionPB.ResignResponse.self,
    ]

    static func run(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(bytes)
        let type = messageTypes[Int(input.byte()) % messageTypes.count]
        try roundTrip(type, input.rest())
    }

    private static func roundTrip<Message: ProtobufMessage>(
        _: Message.Type,
        _ bytes: [UInt8]
    ) throws(FuzzFailure) {
        guard let message = try? Message(serializedBytes: bytes) else { return }
        let encoded = message.serializedBytes()
        guard encoded.count == message.serializedSize else {
            throw FuzzFailure("\(Message.self): serializedSize \(message.serializedSize), encoded \(encoded.count)")
        }
        let again: Message
        do {
            again = try Message(serializedBytes: encoded)
        } catch {
            throw FuzzFailure("\(Message.self): our own encoding does not decode: \(error)")
        }
        guard again == message else { throw FuzzFailure("\(Message.self): the re-encoded message differs") }
    }

    static var seeds: [[UInt8]] {
        var header = EtcdserverPB.ResponseHeader()
        header.clusterId = 0x1234_5678_9abc
        header.memberId = 42
        header.revision = 7
        header.raftTerm = 3
        var kv = MvccPB.KeyValue()
        kv.key = Array("config/feature".utf8)
        kv.value = Array("enabled".utf8)
        kv.createRevision = 5
        kv.modRevision = 7
        kv.version = 2
        kv.lease = 0x7fff_0001
        var range = EtcdserverPB.RangeResponse()
        range.header = header
        range.kvs = [kv, kv]
        range.more = true
        range.count = 2
        var event = MvccPB.Event()
        event.type = MvccPB.Event.EventType(rawValue: 1)
        event.kv = kv
        event.prevKv = kv
        var watch = EtcdserverPB.WatchResponse()
        watch.header = header
        watch.watchId = 3
        watch.events = [event, MvccPB.Event()]
        watch.compactRevision = -1
        watch.cancelReason = "mvcc: required revision has been compacted"
        var op = EtcdserverPB.ResponseOp()
        op.response = .responseRange(range)
        var nested = EtcdserverPB.TxnResponse()
        nested.succeeded = true
        nested.responses = [op]
        var outer = EtcdserverPB.ResponseOp()
        outer.response = .responseTxn(nested)
        var txn = EtcdserverPB.TxnResponse()
        txn.header = header
        txn.responses = [op, outer]
        var member = EtcdserverPB.Member()
        member.id = 99
        member.name = "m1"
        member.peerURLs = ["http://127.0.0.1:2380"]
        member.clientURLs = ["http://127.0.0.1:2379", "https://[::1]:2379"]
        member.isLearner = true
        var members = EtcdserverPB.MemberListResponse()
        members.header = header
        members.members = [member, member]
        var status = EtcdserverPB.StatusResponse()
        status.header = header
        status.version = "3.5.1"
        status.dbSize = 1 << 40
        status.errors = ["NOSPACE"]
        let messages: [any ProtobufMessage] = [range, watch, txn, members, status]
        return messages.map { message in
            let index = messageTypes.firstIndex { $0 == type(of: message) } ?? 0
            return [UInt8(index)] + message.serializedBytes()
        }
    }
}
