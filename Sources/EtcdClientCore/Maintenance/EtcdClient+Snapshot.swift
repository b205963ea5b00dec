import Foundation
import _EtcdWire

extension EtcdClient {
    /// Streams a snapshot of a member's backend database.
    ///
    /// `consume` receives the bytes in order, chunk by chunk: the database file followed by its SHA-256 (32
    /// bytes), which is what `etcdctl snapshot restore` expects in a file. ``saveSnapshot(to:at:options:progress:)``
    /// writes a checked snapshot to a file.
    ///
    /// The server sends only as fast as `consume` returns: a slow consumer holds back the member, not memory.
    ///
    /// - Parameters:
    ///   - endpoint: the member to snapshot; `nil` (the default) for the one the client is connected to.
    ///   - options: the call's options. Its timeout bounds the whole transfer, as it bounds every other call.
    ///     `nil` (the default) uses ``Configuration/defaultCallOptions`` without their timeout, as
    ///     `etcdctl snapshot save` has none unless asked: a large database takes as long as it takes.
    ///   - consume: called with each chunk. Throwing from it stops the snapshot.
    /// - Returns: the total number of bytes.
    /// - Throws: `EtcdError` (`.deadlineExceeded` when the timeout passes during the transfer), what `consume`
    ///   throws, or `CancellationError`; the stream is reset in each case.
    @discardableResult
    public func snapshot(
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil,
        _ consume: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        var total = 0
        var untimed = configuration.defaultCallOptions
        untimed.timeout = nil
        try await serverStreamingCall(
            EtcdserverPB.MaintenanceService.Snapshot.self,
            EtcdserverPB.SnapshotRequest(),
            options: options ?? untimed,
            at: endpoint
        ) { response in
            total += response.blob.count
            try await consume(response.blob)
        }
        return total
    }

    /// Saves a snapshot of a member's backend database to a file, as `etcdctl snapshot save` does: the bytes go
    /// to `path` + `.part`, the trailing SHA-256 is checked, the file is flushed to disk and then renamed to
    /// `path`. On any failure, cancellation included, the partial file is removed and `path` is left as it was.
    ///
    /// - Parameters:
    ///   - path: where the snapshot goes; a file there is replaced once the new one is complete.
    ///   - endpoint: the member to snapshot; `nil` (the default) for the one the client is connected to.
    ///   - options: the call's options; a timeout bounds the whole transfer, and there is none by default (see
    ///     ``snapshot(at:options:_:)``).
    ///   - progress: called after each chunk with the number of bytes written so far.
    /// - Returns: the size of the file, in bytes.
    /// - Throws: ``EtcdError/Code/snapshotCorrupted`` when the data does not end with its SHA-256;
    ///   ``EtcdError/Code/invalidArgument`` when the file cannot be written (the message says why); other
    ///   `EtcdError`s of the call; `CancellationError`.
    @discardableResult
    public func saveSnapshot(
        to path: String,
        at endpoint: EtcdEndpoint? = nil,
        options: CallOptions? = nil,
        progress: (Int) -> Void = { _ in }
    ) async throws -> Int {
        let partPath = path + ".part"
        let file = try SnapshotFile(creating: partPath)
        do {
            var integrity = SnapshotIntegrity()
            try await snapshot(at: endpoint, options: options) { chunk in
                try file.write(chunk)
                integrity.append(chunk)
                progress(integrity.byteCount)
            }
            let size = integrity.byteCount
            try integrity.verify()
            try file.synchronizeAndClose()
            try SnapshotFile.rename(partPath, to: path)
            return size
        } catch {
            file.close()
            try? FileManager.default.removeItem(atPath: partPath)
            throw error
        }
    }

    /// Checks that the snapshot file at `path` ends with the SHA-256 of what comes before, as
    /// `etcdctl snapshot restore` does before it restores one.
    ///
    /// - Returns: the file's size, in bytes.
    /// - Throws: ``EtcdError/Code/snapshotCorrupted`` when it does not; ``EtcdError/Code/invalidArgument`` when
    ///   the file cannot be read.
    @discardableResult
    public static func verifySnapshot(atPath path: String) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EtcdError(.invalidArgument, message: "cannot open \"\(path)\"", requestNotSent: true)
        }
        defer { try? handle.close() }
        var integrity = SnapshotIntegrity()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                integrity.append([UInt8](chunk))
            }
        } catch {
            throw EtcdError(.invalidArgument, message: "cannot read \"\(path)\": \(error)", requestNotSent: true)
        }
        let size = integrity.byteCount
        try integrity.verify()
        return size
    }
}

/// The file a snapshot is written to: errors become ``EtcdError/Code/invalidArgument`` naming the path.
private final class SnapshotFile {
    private let path: String
    private var handle: FileHandle?

    /// Creates (or empties) the file, readable and writable by its owner only, as etcdctl does: a snapshot holds
    /// every key and the auth store.
    init(creating path: String) throws {
        self.path = path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EtcdError(
                .invalidArgument,
                message: "cannot create \"\(path)\": errno \(errno)",
                requestNotSent: true
            )
        }
        self.handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func write(_ bytes: [UInt8]) throws {
        do {
            try handle?.write(contentsOf: bytes)
        } catch {
            throw EtcdError(.invalidArgument, message: "cannot write \"\(path)\": \(error)", requestNotSent: true)
        }
    }

    func synchronizeAndClose() throws {
        do {
            try handle?.synchronize()
            try handle?.close()
            handle = nil
        } catch {
            throw EtcdError(.invalidArgument, message: "cannot write \"\(path)\": \(error)", requestNotSent: true)
        }
    }

    func close() {
        try? handle?.close()
        handle = nil
    }

    static func rename(_ source: String, to destination: String) throws {
        guard Foundation.rename(source, destination) == 0 else {
            throw EtcdError(
                .invalidArgument,
                message: "cannot rename \"\(source)\" to \"\(destination)\": errno \(errno)",
                requestNotSent: true
            )
        }
    }
}
