import Foundation
import Postgres
import Testing

@Suite("PostgreSQL client on the real server", .serialized)
struct PostgresClientTests {
    @Test func copyLoadsRowsWithEscapingAndNulls() throws {
        let t = try TestStores(migrate: false)
        let connection = try PostgresConnection(url: t.databaseURL)
        try connection.query("CREATE TABLE copied (n int, text text)")
        let hostile = "tab\there, newline\nthere, back\\slash, \\N, quote' \"x\""
        let loaded = try connection.copyIn("COPY copied (n, text) FROM STDIN", rows: [["1", hostile], ["2", nil], ["3", ""]])
        #expect(loaded == 3)
        let rows = try connection.query("SELECT n, text FROM copied ORDER BY n").rows
        #expect(rows.map { $0[1] } == [hostile, nil, ""])
        let many = try connection.copyIn("COPY copied (n, text) FROM STDIN", rows: (0..<50_000).lazy.map { [String($0), "row \($0)"] })
        #expect(many == 50_000)
    }

    @Test func aFailedCopyLoadsNothing() throws {
        let t = try TestStores(migrate: false)
        let connection = try PostgresConnection(url: t.databaseURL)
        try connection.query("CREATE TABLE copied (n int)")
        #expect(throws: PostgresError.self) { try connection.copyIn("COPY copied (n) FROM STDIN", rows: [["1"], ["not a number"]]) }
        #expect(try connection.query("SELECT count(*) AS c FROM copied").int(0, "c") == 0)
        // The connection is still usable afterwards.
        #expect(try connection.query("SELECT 1 AS one").int(0, "one") == 1)
    }

    @Test func everyStatementHasATimeoutAndErrorsDoNotLeakSQL() throws {
        let t = try TestStores(migrate: false)
        let connection = try PostgresConnection(url: t.databaseURL, statementTimeout: 200)
        do {
            try connection.query("SELECT pg_sleep(2)")
            Issue.record("expected a timeout")
        } catch {
            #expect(error.isTimeout)
            #expect(error.sqlState == "57014")
            #expect(!error.description.contains("pg_sleep"))
        }
        do {
            try connection.query("SELECT * FROM secret_table_name WHERE x = $1", ["v"])
        } catch {
            #expect(error.sqlState == "42P01")
            #expect(!error.description.contains("secret_table_name"))
        }
    }

    @Test func thePoolReconnectsAfterTheServerDropsItsConnections() throws {
        let t = try TestStores(migrate: false)
        let pool = PostgresPool(url: t.databaseURL, size: 2)
        let pid = try pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").int(0, "pid") }
        let admin = try PostgresConnection(url: try TestServices.databaseURL())
        try admin.query("SELECT pg_terminate_backend($1::int)", [String(pid ?? 0)])
        let again = try pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").int(0, "pid") }
        #expect(again != nil && again != pid)
    }
}
