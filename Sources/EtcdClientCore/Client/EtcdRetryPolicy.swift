import _EtcdWire

/// Which calls may be sent again whatever happened (reads), and which only when they certainly never reached a
/// server (writes). ``CallRetryStateMachine`` holds the whole retry rule.
///
/// | call | kind |
/// |---|---|
/// | Range, a Txn of reads only, LeaseTimeToLive, LeaseLeases, Status, MemberList, Hash, HashKV, UserGet, UserList, RoleGet, RoleList, election Leader, Alarm (get), a single lease renewal, Authenticate, the opening of a server stream | read (`idempotent`) |
/// | everything else (Put, DeleteRange, a Txn with writes, Compact, LeaseGrant, LeaseRevoke, membership and auth changes, Defragment, MoveLeader, Alarm (activate, deactivate), Lock, Unlock, Campaign, Proclaim, Resign) | write (`ifNotSent`) |
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
