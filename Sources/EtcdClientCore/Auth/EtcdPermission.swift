import _EtcdWire

/// A role's permission on a key, a prefix or a range.
public struct EtcdPermission: Hashable, Sendable {
    /// What the permission allows.
    public enum Access: Hashable, Sendable {
        /// Reads.
        case read
        /// Writes.
        case write
        /// Reads and writes.
        case readWrite
    }

    /// What it allows.
    public var access: Access
    /// The keys it covers.
    public var range: EtcdKeyRange

    /// Creates a permission.
    public init(_ access: Access, on range: EtcdKeyRange) {
        self.access = access
        self.range = range
    }

    init(_ permission: AuthPB.Permission) {
        switch permission.permType {
        case .read: access = .read
        case .write: access = .write
        default: access = .readWrite
        }
        range = EtcdKeyRange.raw(start: permission.key, end: permission.rangeEnd)
    }

    var message: AuthPB.Permission {
        var permission = AuthPB.Permission()
        switch access {
        case .read: permission.permType = .read
        case .write: permission.permType = .write
        case .readWrite: permission.permType = .readwrite
        }
        permission.key = range.start
        permission.rangeEnd = range.end
        return permission
    }
}
