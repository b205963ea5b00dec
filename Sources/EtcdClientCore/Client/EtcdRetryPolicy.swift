import _EtcdWire

/// When a failed call is sent again, on the next endpoint, within its deadline.
///
/// | call | tried again when |
/// |---|---|
/// | reads: Range, a Txn of reads only, LeaseTimeToLive, LeaseLeases, Status, MemberList, Alarm (get), Hash, HashKV, AuthStatus-like reads (UserGet, UserList, RoleGet, RoleList), election Leader | any connection failure, or the member answered UNAVAILABLE (no leader, stopping, timed out) |
/// | everything else (Put, DeleteRange, a Txn with writes, Compact, LeaseGrant, LeaseRevoke, membership and auth changes, Defragment, MoveLeader, Lock, Unlock, Campaign, Proclaim, Resign) | only when the request certainly never reached a server: the connection could not be made, or the server refused the stream (REFUSED_STREAM, or above a GOAWAY's last stream) |
///
/// A write that failed after it may have reached a server is not sent again: the caller gets
/// ``EtcdError/Code/outcomeUnknown``, since it may or may not have been applied.
///
/// Whatever the call, a refusal the server makes before acting on the request
/// (``EtcdError/Code/tooManyRequests``: its apply loop lags its log) is sent again to the same member after a
/// growing pause (25 ms doubling, up to ``EtcdClient/overloadRetryLimit`` times, within the deadline).
enum EtcdRetryPolicy: Sendable {
    /// The call changes nothing: it may be sent again whatever happened.
    case idempotent
    /// The call may change state: it is sent again only if it certainly never reached a server.
    case ifNotSent

    /// The methods that change nothing.
    private static let readOnlyPaths: Set<String> = [
        EtcdserverPB.KVService.Range.path,
        EtcdserverPB.LeaseService.LeaseTimeToLive.path,
        EtcdserverPB.LeaseService.LeaseLeases.path,
        EtcdserverPB.MaintenanceService.Status.path,
        EtcdserverPB.MaintenanceService.Hash.path,
        EtcdserverPB.MaintenanceService.HashKV.path,
        EtcdserverPB.ClusterService.MemberList.path,
        EtcdserverPB.AuthService.UserGet.path,
        EtcdserverPB.AuthService.UserList.path,
        EtcdserverPB.AuthService.RoleGet.path,
        EtcdserverPB.AuthService.RoleList.path,
        V3ElectionPB.ElectionService.Leader.path,
    ]

    /// The rule of a method, by its path.
    static func forMethod(path: String) -> EtcdRetryPolicy {
        readOnlyPaths.contains(path) ? .idempotent : .ifNotSent
    }
}
