/// The ID of an etcd lease.
///
/// A distinct type so that lease IDs and revisions cannot be mixed up. Its description is the
/// lower-case hexadecimal form that etcdctl prints and that lock and election keys use.
public struct EtcdLeaseID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The ID as etcd sends it.
    public var rawValue: Int64

    /// Creates a lease ID from its numeric value.
    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// The ID in lower-case hexadecimal without padding, as etcd's Go recipes write it.
    public var description: String {
        String(UInt64(bitPattern: rawValue), radix: 16)
    }
}
