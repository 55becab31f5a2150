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
            defer { _ = try? connection.query("RESET enable_sort") }
            for (name, statement) in statements {
                let plan = try connection.query("EXPLAIN (FORMAT JSON) " + statement.sql, statement.parameters)
                let text = try #require(try plan.string(0, "QUERY PLAN"))
                #expect(!text.contains(#""Node Type": "Sort""#), "\(name) sorts: \(text)")
            }
        }
    }
}
