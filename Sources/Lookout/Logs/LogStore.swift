import Postgres
import Synchronization
import Web

/// Log lines in PostgreSQL (migration 0003): loading with COPY into daily partitions,
/// retention by dropping partitions, and the searches of the logs page.
public struct LogStore: Sendable {
    let database: PostgresPool
    public private(set) var scope: TenantScope = .all
    /// statement_timeout of each search statement (an export's each FETCH), in ms.
    public var searchTimeoutMilliseconds = 10_000
    /// Lines a text search reads newest first before it turns to the chunk index.
    public var searchWindow = 10_000
    /// Candidate chunks the chunk index's first round reads (then as many as the hits so
    /// far say a page needs: `LogStore.nextRound`).
    public var firstChunkRound = 16
    /// Exports hold a connection for as long as the client takes to download; they get
    /// their own small pool so that slow downloads never starve pages and sign-ins.
    public var exportDatabase: PostgresPool?
    /// What loading remembers between batches, so that a batch costs no extra round trip.
    private let known: Known

    final class Known: Sendable {
        /// Days whose partition is known to exist.
        let days = Mutex<Set<Int64>>([])
        /// Services recorded in log_services, and when (µs): each is written at most once a
        /// minute, so concurrent batches do not queue on the same row's lock.
        let services = Mutex<[ServiceKey: Int64]>([:])
    }

    /// A service as the filter lists it: per tenant ("" for lines without one).
    struct ServiceKey: Hashable {
        let tenant: String
        let service: String
    }

    public init(database: PostgresPool) {
        self.database = database
        known = Known()
    }

    public func scoped(_ scope: TenantScope) -> LogStore {
        var copy = self
        copy.scope = scope
        return copy
    }

    // MARK: loading

    static let copyStatement: StaticOrBundledSQL =
        "COPY log_lines (at, level, service, message, request_id, user_id, tenant, job_id, stack, context, chunk) FROM STDIN"
    static let chunkCopyStatement: StaticOrBundledSQL = "COPY log_chunks (id, first_at, last_at, tenant, trigrams) FROM STDIN"
    /// Lines per chunk of the text index (migration 0007). Fewer make a term's candidate
    /// chunks fewer and smaller; more share more trigrams (5 entries a line at 128 on the
    /// benchmark's messages, 8.5 at 64, 12 at 32).
    static let chunkSize = 128

    /// Loads `records` in one COPY (all or nothing) and returns how many were stored.
    @discardableResult
    public func insert(_ records: [LogRecord]) throws -> Int {
        guard !records.isEmpty else { return 0 }
        try ensurePartitions(Set(records.map(\.day)))
        do {
            return try load(records)
        } catch let error as PostgresError where error.sqlState == "23514" {
            // "no partition of relation found": one was dropped behind our back. Once more.
            known.days.withLock { $0.removeAll() }
            try ensurePartitions(Set(records.map(\.day)))
            return try load(records)
        }
    }

    /// One transaction: the COPY and the services seen. The commit does not wait for the
    /// WAL to reach disk (synchronous_commit off, for this transaction only): a crash of
    /// PostgreSQL can lose the last fraction of a second of acknowledged log lines, never
    /// corrupt anything; jobs and access changes keep the default.
    private func load(_ records: [LogRecord]) throws -> Int {
        try database.withConnection { connection in
            let loaded = try connection.transaction { tx in
                try tx.query("SELECT set_config('synchronous_commit', 'off', true)")
                return try copy(records, on: tx)
            }
            let now = UTCTime.now()
            // Keyed by tenant and service: a tenant's filter lists its own services only.
            let stale = known.services.withLock { seen in
                Self.servicePairs(records).filter { seen[$0].map { now - $0 > 60_000_000 } ?? true }
            }
            if !stale.isEmpty {
                let keys = Array(stale)
                try connection.query("""
                    INSERT INTO log_services (tenant, service, last_seen) SELECT unnest($1::text[]), unnest($2::text[]), now()
                    ON CONFLICT (tenant, service) DO UPDATE SET last_seen = excluded.last_seen
                    """, [Self.arrayLiteral(keys.map(\.tenant)), Self.arrayLiteral(keys.map(\.service))])
                known.services.withLock { seen in for key in stale { seen[key] = now } }
            }
            return loaded
        }
    }

    /// The distinct (tenant, service) keys of a batch. A batch mostly comes from one shipper,
    /// so a line is hashed only when it differs from the line before.
    static func servicePairs(_ records: [LogRecord]) -> Set<ServiceKey> {
        var pairs: Set<ServiceKey> = []
        var last: LogRecord?
        for record in records where last.map({ $0.service != record.service || $0.tenant != record.tenant }) ?? true {
            pairs.insert(ServiceKey(tenant: record.tenant ?? "", service: record.service))
            last = record
        }
        return pairs
    }

    /// The COPY of the lines and of their chunks: up to `chunkSize` lines of the same day
    /// and tenant, in the order they came, share a chunk and its set of trigrams.
    private func copy(_ records: [LogRecord], on connection: PostgresConnection) throws -> Int {
        let chunks = Self.chunks(records)
        let ids = try connection.query("SELECT nextval('log_chunks_id_seq') AS id FROM generate_series(1, $1::int)", [String(chunks.count)])
            .rows.map { $0[0] ?? "" }
        var chunkOf = [Int](repeating: 0, count: records.count)
        for (ordinal, chunk) in chunks.enumerated() { for index in chunk { chunkOf[index] = ordinal } }
        let loaded = try connection.copyIn(Self.copyStatement) { send in
            for (index, r) in records.enumerated() {
                try send([r.timestampText, r.level.rawValue, r.service, r.message, r.requestID, r.userID, r.tenant,
                          r.jobID.map(String.init), r.stack, r.context, ids[chunkOf[index]]])
            }
        }
        var collector = LogTrigrams.Collector()
        try connection.copyIn(Self.chunkCopyStatement) { send in
            for (ordinal, chunk) in chunks.enumerated() {
                var first = Int64.max, last = Int64.min
                for index in chunk {
                    collector.add(message: records[index].message)
                    first = min(first, records[index].microseconds)
                    last = max(last, records[index].microseconds)
                }
                try send([ids[ordinal], UTCTime.format(microseconds: first), UTCTime.format(microseconds: last),
                          records[chunk[0]].tenant, collector.finish()])
            }
        }
        return loaded
    }

    /// The records' indexes grouped into chunks: by day and tenant, `chunkSize` at most.
    static func chunks(_ records: [LogRecord]) -> [[Int]] {
        struct Key: Hashable { let day: Int64; let tenant: String? }
        var chunks: [[Int]] = []
        var open: [Key: Int] = [:]
        var last: (key: Key, chunk: Int)?
        for (index, record) in records.enumerated() {
            let key = Key(day: record.day, tenant: record.tenant)
            // A batch mostly comes from one shipper and one day: hash only on a change.
            var chunk = last.flatMap { $0.key == key ? $0.chunk : nil } ?? open[key]
            if chunk == nil || chunks[chunk!].count >= chunkSize {
                chunks.append([])
                chunk = chunks.count - 1
                open[key] = chunk
            }
            chunks[chunk!].append(index)
            last = (key, chunk!)
        }
        return chunks
    }

    func ensurePartitions(_ days: Set<Int64>) throws {
        let missing = known.days.withLock { days.subtracting($0) }
        guard !missing.isEmpty else { return }
        try database.withConnection { connection in
            for day in missing.sorted() {
                // Creating a partition locks log_lines exclusively: behind a long export it
                // would make every search queue behind it. Give up after 2 s instead.
                try connection.transaction { tx in
                    try tx.query("SELECT set_config('lock_timeout', '2s', true)")
                    try tx.query("SELECT ensure_log_partition($1::date)", [UTCTime.dayText(day)])
                }
            }
        }
        known.days.withLock { $0.formUnion(missing) }
    }

    /// Drops the partitions past retention and makes today's and tomorrow's ahead of time;
    /// returns the names of the dropped ones.
    public func maintain(retentionDays: Int, now: Int64) throws -> [String] {
        let today = now / 86_400_000_000
        try ensurePartitions([today, today + 1])
        let dropped = try database.withConnection { connection in
            try connection.transaction { tx in
                try tx.query("SELECT set_config('lock_timeout', '2s', true)")   // see ensurePartitions
                return try tx.query("SELECT drop_old_log_partitions($1) AS name", [String(retentionDays)]).rows.compactMap { $0[0] }
            }
        }
        if !dropped.isEmpty { known.days.withLock { $0.removeAll() } }
        return dropped
    }

    public func services() throws -> [String] {
        try database.withConnection(scope: scope) {
            try $0.query("SELECT DISTINCT service FROM log_services ORDER BY service LIMIT 500").rows.compactMap { $0[0] }
        }
    }

    /// A PostgreSQL array literal of text values (every element quoted and escaped).
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { value in
            var out = "\""
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { out.unicodeScalars.append("\\") }
                out.unicodeScalars.append(character)
            }
            return out + "\""
        }.joined(separator: ",") + "}"
    }
}
