import _EtcdTransport

/// Checks a snapshot's trailer while its bytes go by: etcd sends the database file followed by the SHA-256 of
/// that file, and `etcdctl snapshot restore` refuses a file whose last 32 bytes are not that digest.
///
/// The last 32 bytes seen so far are held back from the digest, since any of them may be the trailer.
struct SnapshotIntegrity {
    private let digest = SHA256Digest()
    private var tail: [UInt8] = []
    /// How many bytes went by.
    private(set) var byteCount = 0

    /// Takes the next chunk of the snapshot.
    mutating func append(_ chunk: [UInt8]) {
        byteCount += chunk.count
        tail += chunk
        let excess = tail.count - SHA256Digest.length
        guard excess > 0 else { return }
        digest.update(tail[..<excess])
        tail.removeFirst(excess)
    }

    /// Checks the trailer once every byte went by.
    ///
    /// - Throws: ``EtcdError/Code/snapshotCorrupted`` when the data is shorter than a digest or does not end with
    ///   the digest of what comes before.
    consuming func verify() throws(EtcdError) {
        guard tail.count == SHA256Digest.length else {
            throw EtcdError(
                .snapshotCorrupted,
                message: "the snapshot is \(byteCount) bytes, too short to end with its SHA-256",
                requestNotSent: true
            )
        }
        guard digest.finish() == tail else {
            throw EtcdError(
                .snapshotCorrupted,
                message: "the snapshot's last 32 bytes are not the SHA-256 of the \(byteCount - 32) before them:"
                    + " it was cut short or damaged",
                requestNotSent: true
            )
        }
    }
}
