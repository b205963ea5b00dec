import Testing
import _EtcdTransport

@testable import EtcdClientCore

@Suite("Snapshot trailer check")
struct SnapshotIntegrityTests {
    /// A database of `size` bytes followed by its SHA-256, as etcd sends a snapshot.
    private func snapshot(size: Int) -> [UInt8] {
        let database = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        return database + SHA256Digest.of(database)
    }

    @Test("a whole snapshot passes however it is cut into chunks", arguments: [1, 7, 32, 33, 4096, 100_000])
    func wholeSnapshot(chunkSize: Int) throws {
        let bytes = snapshot(size: 10_000)
        var integrity = SnapshotIntegrity()
        var offset = 0
        while offset < bytes.count {
            let end = Swift.min(offset + chunkSize, bytes.count)
            integrity.append(Array(bytes[offset..<end]))
            offset = end
        }
        #expect(integrity.byteCount == bytes.count)
        try integrity.verify()
    }

    @Test("a snapshot cut short, damaged, or shorter than a digest is corrupted")
    func damaged() {
        let bytes = snapshot(size: 5_000)
        var flipped = bytes
        flipped[100] ^= 1
        for broken in [Array(bytes.dropLast(1)), Array(bytes.dropLast(4096)), flipped, Array(bytes.prefix(20)), []] {
            var integrity = SnapshotIntegrity()
            integrity.append(broken)
            let error = #expect(throws: EtcdError.self) { try integrity.verify() }
            #expect(error?.code == .snapshotCorrupted)
        }
    }

    @Test("the digest matches a known SHA-256")
    func knownDigest() {
        let digest = SHA256Digest.of(Array("abc".utf8))
        let hex = digest.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
