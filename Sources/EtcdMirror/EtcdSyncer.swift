import EtcdClientCore

/// Go's mirror syncer (`clientv3/mirror`): the keys of a range at one revision, read in pages, then the changes after
/// that revision, read by a watch.
///
/// Unlike Go's syncer, which reads 1,000 keys a page, pages are sized by bytes: etcd 3.4 walks the rest of the range
/// for every page, so fewer, larger pages keep a full sync linear in the size of the range.
public struct EtcdSyncer: Sendable {
    /// The bytes of keys and values a page aims at, below etcd's and gRPC's message limits.
    public static let defaultPageBytes = 4 * 1024 * 1024

    /// The client the syncer reads through.
    public let client: EtcdClient
    /// The keys it syncs.
    public let range: EtcdKeyRange

    /// A syncer of the keys in `range`.
    public init(client: EtcdClient, range: EtcdKeyRange) {
        self.client = client
        self.range = range
    }

    /// The keys of the range at `revision`, in key order, a page at a time.
    ///
    /// - Parameters:
    ///   - revision: the revision to read at; `nil` (the default) reads at the current revision, fixed by the first
    ///     page (each page tells which).
    ///   - pageBytes: the size of keys and values a page aims at; the first page reads 1,000 keys, the next ones as
    ///     many as fit this size at the sizes seen so far (100 to 100,000 keys).
    public func basePages(at revision: Int64? = nil, pageBytes: Int = EtcdSyncer.defaultPageBytes) -> EtcdSyncPages {
        EtcdSyncPages(client: client, range: range, revision: revision, pageBytes: max(1, pageBytes))
    }

    /// Watches the changes to the range after `revision` (the revision of a base sync): runs `body` with the watch
    /// responses, each with the events of one or more revisions, in order.
    ///
    /// - Throws: what `body` throws; `EtcdError` (`.compacted` when `revision + 1` was compacted: sync again);
    ///   `CancellationError`.
    public func updates<Result>(
        after revision: Int64,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (EtcdWatchResponses) async throws -> Result
    ) async throws -> Result {
        try await client.watch(range, startRevision: revision + 1, isolation: isolation, body)
    }
}

/// One page of a base sync.
public struct EtcdSyncPage: Hashable, Sendable {
    /// The revision every page of the sync is read at.
    public let revision: Int64
    /// The page's keys, in key order, after those of the previous page.
    public let keyValues: [EtcdKeyValue]
    /// Whether this is the last page.
    public let isLast: Bool

    /// Creates a page.
    public init(revision: Int64, keyValues: [EtcdKeyValue], isLast: Bool) {
        self.revision = revision
        self.keyValues = keyValues
        self.isLast = isLast
    }
}

/// The pages of a base sync (see ``EtcdSyncer/basePages(at:pageBytes:)``).
public struct EtcdSyncPages: AsyncSequence, Sendable {
    /// A page.
    public typealias Element = EtcdSyncPage

    let client: EtcdClient
    let range: EtcdKeyRange
    let revision: Int64?
    let pageBytes: Int

    /// Makes the iterator, which reads a page per call.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: self, next: range.start, revision: revision)
    }

    /// Reads the pages one after another.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let pages: EtcdSyncPages
        private var next: [UInt8]?
        private var revision: Int64?
        private var limit = 1_000

        init(pages: EtcdSyncPages, next: [UInt8], revision: Int64?) {
            self.pages = pages
            self.next = next
            self.revision = revision
        }

        /// The next page, or `nil` after the last.
        ///
        /// - Throws: `EtcdError` (`.compacted` when the revision was compacted); `CancellationError`.
        public mutating func next() async throws -> EtcdSyncPage? {
            guard let start = next else { return nil }
            let range = pages.range
            let pageRange: EtcdKeyRange =
                range.end.isEmpty ? range : .range(from: EtcdKey(bytes: start), to: EtcdKey(bytes: range.end))
            let response = try await pages.client.get(EtcdGetRequest(pageRange, revision: revision, limit: limit))
            let revision = self.revision ?? response.header.revision
            self.revision = revision
            let isLast = !response.hasMore || response.keyValues.isEmpty
            if isLast {
                next = nil
            } else if let last = response.keyValues.last {
                next = last.key.bytes + [0]
                let bytes = response.keyValues.reduce(0) { $0 + $1.key.bytes.count + $1.value.count }
                let perKey = Swift.max(1, bytes / response.keyValues.count)
                limit = Swift.min(100_000, Swift.max(100, pages.pageBytes / perKey))
            }
            return EtcdSyncPage(revision: revision, keyValues: response.keyValues, isLast: isLast)
        }
    }
}
