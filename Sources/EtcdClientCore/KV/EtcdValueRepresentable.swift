/// A type whose values can be stored as an etcd value: strings as UTF-8, byte arrays as they are.
public protocol EtcdValueRepresentable: Sendable {
    /// The bytes to store.
    var etcdValueBytes: [UInt8] { get }
}

extension String: EtcdValueRepresentable {
    /// The UTF-8 bytes of the string.
    public var etcdValueBytes: [UInt8] { Array(utf8) }
}

extension Substring: EtcdValueRepresentable {
    /// The UTF-8 bytes of the substring.
    public var etcdValueBytes: [UInt8] { Array(utf8) }
}

extension Array: EtcdValueRepresentable where Element == UInt8 {
    /// The bytes themselves.
    public var etcdValueBytes: [UInt8] { self }
}

extension ArraySlice: EtcdValueRepresentable where Element == UInt8 {
    /// The bytes themselves.
    public var etcdValueBytes: [UInt8] { Array(self) }
}
