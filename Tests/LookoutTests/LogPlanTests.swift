import Foundation
import Postgres
import Testing
import Web
@testable import Lookout

/// The searches that have no search term must be answerable newest-first straight from an
/// index: PostgreSQL then reads one page, not the whole range. Sorting is made prohibitively
/// expensive here, so a plan that still sorts means no index can give the order. (A bare
/// `ORDER BY at` once named the formatted time column, which no index holds: every page of
/// the last 24 h read and sorted 1.4 M lines at 10 M.)
@Suite("Log searches are ordered by an index", .serialized)
struct LogPlanTests {
    @Test func pagesExportsAndContextNeedNoSort() throws {
        let t = try TestStores()
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        _ = try LogIngester(store: LogStore(database: t.database), retentionDays: 90)
            .ingest(body: Array(LogTests.history().utf8), tenant: nil, now: now)
        try t.query("ANALYZE log_lines")
        let line = try #require(try LogStore(database: t.database).search(LogQuery(Parameters([("request", "req-7f3a9c")]), now: now, retentionDays: 90)).first)

        var statements: [(String, (sql: String, parameters: [String?]))] = []
        for filters in [[("range", "7d")], [("level", "error"), ("range", "24h")], [("level", "warning")], [("level", "info"), ("range", "all")],
                        [("service", "smtp")], [("request", "req-7f3a9c")], [("job", "77"), ("range", "7d")]] {
            let query = try LogQuery(Parameters(filters), now: now, retentionDays: 90)
            statements.append(("page \(filters)", LogStore.pageStatement(query, text: true, edge: nil)))
            statements.append(("next page \(filters)", LogStore.pageStatement(query, text: true, edge: (line.at, line.id))))
            statements.append(("export \(filters)", LogStore.exportStatement(query)))
        }
        statements.append(("context", LogStore.contextStatement(of: line, count: 20)))

        try t.database.withConnection { connection in
            try connection.query("SET enable_sort = off")
            try connection.query("SET enable_incremental_sort = off")
            defer { _ = try? connection.query("RESET ALL") }
            for (name, statement) in statements {
                let text = try plan(statement, on: connection)
                #expect(!text.contains(#"Sort","#), "\(name) sorts: \(text)")   // "Sort" and "Incremental Sort" nodes
            }
        }
    }

    /// The level filter for errors and for warnings reads the partial index of problems
    /// (migration 0006), not every line of the range with a filter: forbidding sequential
    /// scans leaves the planner the choice between that index and log_lines_at.
    @Test func errorsAndWarningsComeFromTheirPartialIndex() throws {
        let t = try TestStores()
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        var body = LogTests.history()
        for index in 0..<2_000 {   // enough info lines that a filtered scan of everything costs more
            body += #"{"timestamp": "\#(isoAgo(Double(200 + index)))", "level": "info", "service": "api", "message": "GET /health 200 \#(index)"}"# + "\n"
        }
        _ = try LogIngester(store: LogStore(database: t.database), retentionDays: 90).ingest(body: Array(body.utf8), tenant: nil, now: now)
        try t.query("ANALYZE log_lines")
        let partial = Set(try t.query("""
            SELECT indexrelid::regclass::text AS name FROM pg_index
            WHERE indpred IS NOT NULL AND pg_get_expr(indpred, indrelid) LIKE '%warning%'
            """).rows.compactMap { $0[0] })
        #expect(!partial.isEmpty)
        try t.database.withConnection { connection in
            try connection.query("SET enable_seqscan = off")
            defer { _ = try? connection.query("RESET ALL") }
            for level in ["error", "warning"] {
                let query = try LogQuery(Parameters([("level", level), ("range", "24h")]), now: now, retentionDays: 90)
                let text = try plan(LogStore.pageStatement(query, text: true, edge: nil), on: connection)
                let used = Set(text.components(separatedBy: #""Index Name": ""#).dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) })
                #expect(!used.isEmpty && used.isSubset(of: partial), "\(level): \(used) of \(partial)")
            }
        }
    }

    /// The statements of a text search below the window reach lines through indexes: the
    /// chunks through their trigram index, a chunk's lines through log_lines_chunk, the loose
    /// lines through their partial index and the request IDs'. With sequential scans
    /// forbidden, a Seq Scan left in a plan means no index serves it.
    @Test func textSearchesReadChunksAndLinesThroughIndexes() throws {
        let t = try TestStores()
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        var body = LogTests.history()
        for index in 0..<5_000 {   // enough lines in enough chunks that reading them all costs more
            body += #"{"timestamp": "\#(isoAgo(Double(200 + index)))", "level": "info", "service": "api", "message": "GET /health 200 \#(index)", "request_id": "r\#(index)"}"# + "\n"
        }
        _ = try LogIngester(store: LogStore(database: t.database), retentionDays: 90).ingest(body: Array(body.utf8), tenant: nil, now: now)
        try t.query("ANALYZE log_lines")
        try t.query("ANALYZE log_chunks")
        let edge = ("2999-01-01T00:00:00.000000Z", Int.max)
        var statements: [(String, (sql: String, parameters: [String?]), String)] = []
        for q in ["declined", "/card_(expired|declined)/", "req-7f3a9c"] {
            let query = try LogQuery(Parameters([("q", q), ("range", "7d")]), now: now, retentionDays: 90)
            let trigrams = try #require(LogStore.requiredTrigrams(query))
            statements.append(("candidates \(q)", try candidatesBody(t, trigrams: trigrams), "log_chunks_trigrams"))
            statements.append(("chunk lines \(q)", LogStore.chunkLinesStatement(query, chunks: [1, 2], edge: edge), "log_lines_chunk"))
            statements.append(("loose \(q)", LogStore.looseStatement(query, edge: edge), "log_lines_unchunked"))
            statements.append(("export \(q)", LogStore.exportStatement(query, throughChunks: true), "log_lines_chunk"))
        }
        try t.database.withConnection { connection in
            try connection.query("SET enable_seqscan = off")
            defer { _ = try? connection.query("RESET ALL") }
            for (name, statement, index) in statements {
                let text = try plan(statement, on: connection)
                #expect(!text.contains(#""Seq Scan""#), "\(name) scans: \(text)")
                // Each partition's index is attached to the partitioned one it was made from.
                let children = try connection.query("SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = $1::regclass", [index])
                    .rows.compactMap { $0[0] }
                #expect(!children.isEmpty && children.contains { text.contains(#""\#($0)""#) }, "\(name) does not use \(index): \(text)")
            }
        }
    }

    /// The body of `log_chunk_candidates` (migration 0008) with its arguments as parameters:
    /// EXPLAIN does not show what a function runs.
    func candidatesBody(_ t: TestStores, trigrams: String) throws -> (sql: String, parameters: [String?]) {
        var body = try #require(try t.query("SELECT prosrc FROM pg_proc WHERE proname = 'log_chunk_candidates'").string(0, "prosrc"))
        for (index, (name, type)) in [("required", "int[]"), ("since", "timestamptz"), ("until", "timestamptz"), ("newest", "timestamptz"),
                                      ("after_at", "timestamptz"), ("after_id", "bigint"), ("most", "int")].enumerated() {
            body = body.replacingOccurrences(of: "\\b\(name)\\b", with: "\\$\(index + 1)::\(type)", options: .regularExpression)   // \$: not a group
        }
        let now = "2999-01-01T00:00:00Z"
        return (body, [trigrams, "2000-01-01T00:00:00Z", now, now, now, String(Int.max), "16"])
    }

    /// A tenant-bound user's candidates are its tenant's chunks only: the function runs as
    /// the owner, past row-level security, and applies the policy itself.
    @Test func aTenantsCandidateChunksAreItsOwn() throws {
        let t = try TestStores()
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        let ingester = LogIngester(store: LogStore(database: t.database), retentionDays: 90)
        for tenant in ["acme", "globex", nil] {
            let body = #"{"timestamp": "\#(isoAgo(5))", "message": "shared words of every tenant"}"# + "\n"
            _ = try ingester.ingest(body: Array(body.utf8), tenant: tenant, now: now)
        }
        let query = try LogQuery(Parameters([("q", "words of every")]), now: now, retentionDays: 90)
        let (sql, parameters) = LogStore.candidateStatement(query, trigrams: try #require(LogStore.requiredTrigrams(query)), edge: nil, after: nil, limit: nil)
        func candidates(_ scope: TenantScope) throws -> Set<String> {
            let ids = try t.database.withConnection(scope: scope) { try $0.query(sql, parameters).rows.compactMap { $0[0] } }
            guard !ids.isEmpty else { return [] }
            return Set(try t.query("SELECT coalesce(tenant, '-') AS tenant FROM log_chunks WHERE id = ANY($1::bigint[])", ["{" + ids.joined(separator: ",") + "}"])
                .rows.compactMap { $0[0] })
        }
        #expect(try candidates(.tenant("acme")) == ["acme"])
        #expect(try candidates(.tenant("initech")) == [])
        #expect(try candidates(.all) == ["acme", "globex", "-"])

        // Another login that was granted lookout_tenant (another database's owner on the
        // same cluster) is not the owner: without SET ROLE it still gets only the tenant it
        // names, as the policy would give it.
        let other = "lookout_other_\(UInt32.random(in: 0...UInt32.max))"
        try t.query("CREATE ROLE \(other) LOGIN")   // a name made here, not input
        defer { _ = try? t.query("DROP ROLE \(other)") }
        try t.query("GRANT lookout_tenant TO \(other)")
        defer { _ = try? t.query("REVOKE lookout_tenant FROM \(other)") }
        let url = t.databaseURL.replacingOccurrences(of: "://lookout@", with: "://\(other)@")
        #expect(url != t.databaseURL)
        do {
            let outsider = try PostgresConnection(url: url)
            #expect(try outsider.query(sql, parameters).rows.isEmpty)
            let named = try outsider.transaction { tx in
                try tx.query("SELECT set_config('lookout.tenant', 'globex', true)")
                return try tx.query(sql, parameters).rows.compactMap { $0[0] }
            }
            #expect(named.count == 1)
        }
    }

    func plan(_ statement: (sql: String, parameters: [String?]), on connection: PostgresConnection) throws -> String {
        let result = try connection.query("EXPLAIN (FORMAT JSON) " + statement.sql, statement.parameters)
        return try #require(try result.string(0, "QUERY PLAN"))
    }
}
