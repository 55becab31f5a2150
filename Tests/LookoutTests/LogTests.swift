import Foundation
@testable import Lookout
import Postgres
import Testing
import TestSupport
import Web

/// ISO 8601 of `secondsAgo` before now, as a shipper would stamp a line.
func isoAgo(_ secondsAgo: Double) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date().addingTimeInterval(-secondsAgo))
}

func json(_ response: RawResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
}

@Suite("Logs on the real PostgreSQL: ingestion, filters, regex, timeouts, export, retention", .serialized)
struct LogTests {
    /// A small history: the seed-001 story (one request through api and worker, ending in an
    /// error with a stack trace) among ordinary lines of several services and ages.
    static func history() -> String {
        var lines = [
            #"{"timestamp": "\#(isoAgo(30))", "level": "info", "service": "api", "message": "POST /v1/payments accepted", "request_id": "req-7f3a9c", "user_id": "ana@acme.example"}"#,
            #"{"timestamp": "\#(isoAgo(29))", "level": "error", "service": "worker", "message": "Payment declined: card_expired", "request_id": "req-7f3a9c", "stack": "PaymentError: card_expired\n  at charge (billing.js:42)", "job_id": 77, "card": {"last4": "4242"}}"#,
            #"{"timestamp": "\#(isoAgo(7200))", "level": "warning", "service": "smtp", "message": "SMTP 421 from mx.example.org, deferring"}"#,
            #"{"timestamp": "\#(isoAgo(3 * 86400))", "level": "error", "service": "api", "message": "old outage: database unreachable"}"#,
            #"{"timestamp": "\#(isoAgo(10))", "level": "debug", "service": "queue", "message": "claimed job 77 from queue:email-sending"}"#,
        ]
        for index in 0..<40 {
            lines.append(#"{"timestamp": "\#(isoAgo(Double(100 + index)))", "level": "info", "service": "smtp", "message": "delivered message \#(index) to user\#(index)@example.com"}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func start(_ t: TestStores, _ arguments: [String] = []) throws -> (LookoutServer, UInt16) {
        try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL, arguments: ["--self-log", "off"] + arguments)
    }

    @Test func ingestionKeepsGoodLinesAndNumbersTheBadOnes() throws {
        let t = try TestStores()
        let (server, port) = try start(t, ["--max-ingest-bytes", "1048576"])
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let body = #"{"message": "first", "level": "info"}"# + "\n\nnot json\n" + #"{"level": "info"}"# + "\r\n" + #"{"msg": "fourth", "level": "ERROR"}"#
            + "\n" + #"{"message": "jsonb cannot hold this", "extra": {"k": "a\u0000b"}}"#
        let response = try send(port, "POST", "/api/v1/logs", body: body, headers: ["Content-Type": "application/x-ndjson"])
        #expect(response.status == 200)
        let answer = try json(response)
        #expect(answer["accepted"] as? Int == 2 && answer["rejected"] as? Int == 3)
        let errors = try #require(answer["errors"] as? [[String: Any]])
        #expect(errors.map { $0["line"] as? Int } == [3, 4, 6])
        #expect((errors[2]["error"] as? String)?.contains("NUL") == true)
        #expect((errors[1]["error"] as? String)?.hasPrefix("no message") == true)
        #expect(try t.query("SELECT count(*) AS n FROM log_lines").int(0, "n") == 2)

        // Nothing good at all: 400 with the reasons.
        let bad = try send(port, "POST", "/api/v1/logs", body: "nope\n[1]\n", headers: ["Content-Type": "application/x-ndjson"])
        #expect(try bad.status == 400 && json(bad)["rejected"] as? Int == 2)
        #expect(try send(port, "POST", "/api/v1/logs", body: "\n\n").status == 400)
        // A JSON array (Fluent Bit's `format json`) works too.
        let array = try send(port, "POST", "/api/v1/logs", body: #"[{"log": "a"}, {"log": "b"}, 3]"#, headers: ["Content-Type": "application/json"])
        #expect(try json(array)["accepted"] as? Int == 2)

        // gzip, as shippers compress; a bomb is refused by size; other encodings 415.
        let lines = Array(String(repeating: #"{"message": "compressed line", "service": "gz"}"# + "\n", count: 1000).utf8)
        let gz = try SystemGzip.compress(lines)
        let zipped = try sendBytes(port, "/api/v1/logs", gz, headers: ["Content-Encoding": "gzip"])
        #expect(try zipped.status == 200 && json(zipped)["accepted"] as? Int == 1000)
        let bomb = try SystemGzip.compress([UInt8](repeating: 0x20, count: 5_000_000))
        let refused = try sendBytes(port, "/api/v1/logs", bomb, headers: ["Content-Encoding": "gzip"])
        #expect(refused.status == 413)
        let corrupt = try sendBytes(port, "/api/v1/logs", Array(gz.prefix(gz.count / 2)), headers: ["Content-Encoding": "gzip"])
        #expect(corrupt.status == 400 && corrupt.text.contains("gzip"))
        #expect(try sendBytes(port, "/api/v1/logs", lines, headers: ["Content-Encoding": "br"]).status == 415)
    }

    @Test func everyFilterNarrowsTheSearch() throws {
        let t = try TestStores()
        let (server, port) = try start(t)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        #expect(try json(try send(port, "POST", "/api/v1/logs", body: Self.history()))["accepted"] as? Int == 45)
        func messages(_ query: String) throws -> [String] {
            let response = try get(port, "/api/v1/logs?" + query)
            #expect(response.status == 200, "\(query): \(response.text)")
            return try (json(response)["lines"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        }
        // Default: the last 24 hours, newest first.
        let all = try messages("limit=500")
        #expect(all.count == 44 && all.first == "claimed job 77 from queue:email-sending" && !all.contains("old outage: database unreachable"))
        #expect(try messages("range=7d&limit=500").count == 45)
        #expect(try messages("range=1h&limit=500").count == 43)
        #expect(try messages("level=error") == ["Payment declined: card_expired"])
        #expect(try messages("level=error&range=7d") == ["Payment declined: card_expired", "old outage: database unreachable"])
        #expect(try messages("level=warning") == ["SMTP 421 from mx.example.org, deferring"])
        #expect(try messages("level=debug").count == 1)
        #expect(try messages("service=api") == ["POST /v1/payments accepted"])
        // Case-insensitive substring; % and _ are not wildcards.
        #expect(try messages("q=PAYMENT") == ["Payment declined: card_expired", "POST /v1/payments accepted"])
        #expect(try messages("q=%25").isEmpty && messages("q=user_1").isEmpty)
        // A request ID pasted in the search box finds every line of the request.
        #expect(try messages("q=req-7f3a9c").count == 2)
        #expect(try messages("request=req-7f3a9c") == ["Payment declined: card_expired", "POST /v1/payments accepted"])
        #expect(try messages("job=77") == ["Payment declined: card_expired"])
        // Regex with the toggle or between slashes.
        #expect(try messages("q=deliver(ed)%3F+message+1%5B0-2%5D&regex=on") == ["delivered message 10 to user10@example.com",
                                                                                    "delivered message 11 to user11@example.com",
                                                                                    "delivered message 12 to user12@example.com"])
        #expect(try messages("q=%2F%5Esmtp+4%5Cd%5Cd%2F") == ["SMTP 421 from mx.example.org, deferring"])
        // A custom range.
        let from = isoAgo(7300), to = isoAgo(7100)
        #expect(try messages("range=custom&from=\(URLEncoding.percentEncode(from))&to=\(URLEncoding.percentEncode(to))") == ["SMTP 421 from mx.example.org, deferring"])
        // Keyset pages: newest first, no line twice, none missed.
        var seen: [String] = []
        var cursor = ""
        while true {
            let page = try json(try get(port, "/api/v1/logs?limit=7" + cursor))
            seen += (page["lines"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            guard let next = page["next_before"] as? String else { break }
            cursor = "&before=" + URLEncoding.percentEncode(next)
        }
        #expect(seen == all)
        // Bad input: 400 naming the field.
        for (query, message) in [("level=fatal", "'level' must be one of"), ("range=2w", "'range' must be one of"),
                                 ("range=custom&from=yesterday", "'from' must be a time"), ("limit=0", "'limit'"),
                                 ("before=garbage", "'before' is not a page cursor"), ("job=x", "'job'")] {
            let response = try get(port, "/api/v1/logs?" + query)
            #expect(response.status == 400 && response.text.contains(message), "\(query): \(response.text)")
        }
    }

    /// A text search reads a window of the newest lines first, then the trigram index below
    /// it: with a tiny window every page must equal the plain one-statement answer.
    @Test func textSearchInTwoStepsFindsWhatOneStatementFinds() throws {
        let t = try TestStores()
        // Two batches whose lines interleave in time (even and odd seconds), so that chunks
        // overlap in time; 3,000 lines make 24 chunks, more than the first round reads.
        var bodies = ["", ""]
        for index in 0..<3000 {
            let word = index % 7 == 0 ? "Delivered" : (index % 11 == 0 ? "deferred" : "queued")
            // Every fifth line names a request; some of them also mention one in the message,
            // so a pasted request ID matches by column, by text, or by both (counted once).
            let request = index % 5 == 0 ? #", "request_id": "req-x\#(index % 4)""# : ""
            let mention = index % 13 == 0 ? " after req-x\(index % 4)" : ""
            bodies[index % 2] += #"{"timestamp": "\#(isoAgo(Double(index) / 10))", "message": "\#(word) message \#(index)\#(mention)", "service": "s\#(index % 3)"\#(request)}"# + "\n"
        }
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        for body in bodies {
            _ = try LogIngester(store: LogStore(database: t.database), retentionDays: 90).ingest(body: Array(body.utf8), tenant: nil, now: now)
        }
        // Lines written with SQL have no chunk: found line by line.
        let admin = try PostgresConnection(url: t.databaseURL, statementTimeout: 0)
        try admin.query("""
            INSERT INTO log_lines (at, level, service, message, request_id)
            SELECT now() - (i * 7 || ' s')::interval, 'info', 's' || (i % 3), 'deferred message by hand ' || i, CASE WHEN i % 2 = 0 THEN 'req-x2' END
            FROM generate_series(1, 30) i
            """)
        #expect(try admin.query("SELECT count(DISTINCT chunk) AS n FROM log_lines").int(0, "n") == 24)
        var small = LogStore(database: t.database)
        small.searchWindow = 5
        small.firstChunkRound = 1   // rounds from 1 chunk on: the rule for final hits is tested
        let large = LogStore(database: t.database)
        for q in ["delivered", "DEFERRED", "/deliv|defer/", "/r+ed mess/", "message 1", "message 2998", "nothing-like-this", "req-x2", "REQ-X1"] {
            for service in [nil, "s1"] {
                var parameters = [("q", q), ("limit", "9")]
                if let service { parameters.append(("service", service)) }
                var query = try LogQuery(Parameters(parameters), now: now, retentionDays: 90)
                var viaWindow: [Int] = [], direct: [Int] = []
                while true {
                    let page = try small.search(query)
                    viaWindow += page.map(\.id)
                    guard page.count == query.limit, let last = page.last else { break }
                    query.before = (last.at, last.id)
                }
                query.before = nil
                query.limit = 5000
                direct = try large.search(query).map(\.id)
                #expect(viaWindow == direct, "\(q) \(service ?? "")")
                #expect(direct.isEmpty == (q == "nothing-like-this"), "\(q) \(service ?? "") found \(direct.count)")
                #expect(Set(viaWindow).count == viaWindow.count)
                // The export's two statements, through chunks and streamed, agree with it.
                for throughChunks in [true, false] {
                    let (sql, parameters) = LogStore.exportStatement(query, throughChunks: throughChunks)
                    let exported = try admin.query(sql, parameters).rows.compactMap { $0[0].flatMap { Int($0) } }
                    #expect(exported == direct, "export \(q) \(service ?? "") through chunks: \(throughChunks)")
                }
            }
        }
    }

    @Test func anInvalidRegexOrATimeoutIsAMessageNotA500() throws {
        let t = try TestStores()
        let (server, port) = try start(t, ["--log-search-timeout", "1"])
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let page = try get(port, "/dashboard/system/logs?q=%2F(unclosed%2F")
        #expect(page.status == 400)
        #expect(page.text.contains("That regular expression does not compile: invalid regular expression: parentheses () not balanced"))
        #expect(page.text.contains("placeholder=\"Search logs (e.g., errors, user email, request ID)\""))
        #expect(try get(port, "/api/v1/logs?q=%5B&regex=on").status == 400)
        #expect(try get(port, "/dashboard/system/logs/export.csv?q=%2F(%2F").status == 400)
        // Enough rows that a regex over them cannot finish in 1 ms.
        let admin = try PostgresConnection(url: t.databaseURL, statementTimeout: 0)
        try admin.query("SELECT ensure_log_partition((now() AT TIME ZONE 'UTC')::date)")
        try admin.query("""
            INSERT INTO log_lines (at, level, service, message)
            SELECT now() - (i || ' ms')::interval, 'info', 'api', md5(i::text) || ' padding padding padding' FROM generate_series(1, 50000) i
            """)
        let slow = try get(port, "/dashboard/system/logs?q=%2F(a%7Cb)%2Bz%2F")
        #expect(slow.status == 503)
        #expect(slow.text.contains("The search ran out of time. Narrow the time range"))
        let api = try get(port, "/api/v1/logs?q=%2F(a%7Cb)%2Bz%2F")
        #expect(api.status == 503 && api.text.contains("ran out of time"))
    }

    @Test func csvExportStreamsEveryMatchQuotedAndDisarmed() throws {
        let t = try TestStores()
        let (server, port) = try start(t)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        var lines: [String] = []
        for index in 0..<5000 { lines.append(#"{"message": "row \#(index)", "service": "bulk", "timestamp": "\#(isoAgo(Double(index) / 100))"}"#) }
        let hostile = [#"=HYPERLINK("http://evil.example","click")"#, "+1+1", "-2", "@SUM(A1)", "comma, \"quote\" and\nnewline"]
        for text in hostile {
            let escaped = String(data: try JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed]), encoding: .utf8)!.dropFirst().dropLast()
            lines.append(#"{"message": \#(escaped), "service": "hostile", "request_id": "=cmd|' /C calc'!A0"}"#)
        }
        lines.append(#"{"message": "secret in context", "service": "hostile", "db": {"password": "hunter2", "host": "db1"}}"#)
        #expect(try json(try send(port, "POST", "/api/v1/logs", body: lines.joined(separator: "\n")))["accepted"] as? Int == 5006)
        let export = try get(port, "/dashboard/system/logs/export.csv?service=bulk")
        #expect(export.status == 200 && export.headers["Content-Type"] == "text/csv; charset=utf-8")
        #expect(export.headers["Transfer-Encoding"] == "chunked")
        #expect(export.headers["Content-Disposition"]?.hasPrefix("attachment; filename=\"lookout-logs-") == true)
        let rows = export.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 5001)   // every match, not one page
        #expect(rows[0] == #""timestamp","level","service","message","request_id","user_id","tenant","job_id","stack","context""#)
        #expect(rows[1].contains("\"row 0\"") && rows[5000].contains("\"row 4999\""))
        let dangerous = try get(port, "/api/v1/logs/export.csv?service=hostile").text
        #expect(dangerous.contains(#""'=HYPERLINK(""http://evil.example"",""click"")""#))
        #expect(dangerous.contains(#""'+1+1""#) && dangerous.contains(#""'-2""#) && dangerous.contains(#""'@SUM(A1)""#))
        #expect(dangerous.contains("\"comma, \"\"quote\"\" and\nnewline\""))
        #expect(dangerous.contains(#""'=cmd|' /C calc'!A0""#))
        #expect(!dangerous.contains(#","=HYPERLINK"#) && !dangerous.contains(#","=cmd"#))
        // Sensitive context fields are redacted in the export as on the page.
        #expect(dangerous.contains("[redacted]") && !dangerous.contains("hunter2") && dangerous.contains("db1"))
        // HEAD: the headers, no export run.
        let head = try send(port, "HEAD", "/api/v1/logs/export.csv?service=hostile")
        #expect(head.status == 200 && head.headers["Content-Type"] == "text/csv; charset=utf-8")
    }

    @Test func retentionDropsWholeDaysAndIngestionRefusesThem() throws {
        let t = try TestStores()
        let store = LogStore(database: t.database)
        try t.query("SELECT ensure_log_partition(((now() AT TIME ZONE 'UTC')::date - 100))")
        try t.query("SELECT ensure_log_partition(((now() AT TIME ZONE 'UTC')::date - 89))")
        try t.query("INSERT INTO log_lines (at, level, service, message) VALUES (now() - interval '100 days', 'info', 'old', 'ancient'), (now() - interval '89 days', 'info', 'old', 'kept')")
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        let dropped = try store.maintain(retentionDays: 90, now: now)
        #expect(dropped.count == 1 && dropped[0].hasPrefix("log_lines_"))
        #expect(try t.query("SELECT message FROM log_lines").rows.map { $0[0] } == ["kept"])
        let partitions = try t.query("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'log_lines'::regclass").int(0, "n")
        #expect(partitions == 3)   // 89 days ago, today, tomorrow
        #expect(try store.maintain(retentionDays: 90, now: now).isEmpty)
        let ingester = LogIngester(store: store, retentionDays: 90)
        let report = try ingester.ingest(body: Array(#"{"message": "too old", "timestamp": "\#(isoAgo(95 * 86400))"}"#.utf8), tenant: nil, now: now)
        #expect(report.accepted == 0 && report.errors.first?.reason == "older than the 90-day retention")
    }

    @Test func linesOfOtherTenantsAreInvisibleAndShippersOnlyShip() throws {
        let t = try TestStores()
        let (server, port) = try start(t)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let access = AccessStore(database: t.database, bcryptCost: 4)
        let shipper = try access.createToken(name: "fluent-bit", role: .ingest, tenant: "acme", createdBy: "test").secret
        let viewerA = try access.createToken(name: "acme-viewer", role: .viewer, tenant: "acme", createdBy: "test").secret
        // The acme shipper's lines are acme's, whatever they claim.
        let shipped = try send(port, "POST", "/api/v1/logs", body: #"{"message": "acme line", "tenant": "globex"}"#, auth: .bearer(shipper))
        #expect(shipped.status == 200)
        #expect(try send(port, "POST", "/api/v1/logs", body: #"{"message": "globex line", "tenant": "globex", "request_id": "r-g"}"#).status == 200)
        // An ingest token reads nothing and does nothing else.
        #expect(try get(port, "/api/v1/logs", auth: .bearer(shipper)).status == 403)
        #expect(try get(port, "/dashboard/system/queues", auth: .bearer(shipper)).status == 403)
        #expect(try send(port, "POST", "/api/v1/logs", body: #"{"message": "x"}"#, auth: .bearer(viewerA)).status == 403)
        let seen = try json(try get(port, "/api/v1/logs", auth: .bearer(viewerA)))["lines"] as? [[String: Any]] ?? []
        // The service filter lists the tenant's own services only.
        #expect(try send(port, "POST", "/api/v1/logs", body: #"{"message": "g", "tenant": "globex", "service": "globex-billing"}"#).status == 200)
        let filter = try get(port, "/dashboard/system/logs", auth: .bearer(viewerA)).text
        #expect(!filter.contains("globex-billing"))
        #expect(try get(port, "/dashboard/system/logs").text.contains("globex-billing"))
        #expect(seen.map { $0["message"] as? String } == ["acme line"] && seen.first?["tenant"] as? String == "acme")
        #expect((try json(try get(port, "/api/v1/logs?request=r-g", auth: .bearer(viewerA)))["lines"] as? [Any])?.isEmpty == true)
        let csv = try get(port, "/api/v1/logs/export.csv", auth: .bearer(viewerA)).text
        #expect(csv.contains("acme line") && !csv.contains("globex line"))
        let globexLine = try t.query("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at, id FROM log_lines WHERE tenant = 'globex'")
        let href = "/dashboard/system/logs/line?at=\(URLEncoding.percentEncode(try globexLine.string(0, "at")!))&id=\(try globexLine.int(0, "id")!)"
        #expect(try get(port, href, auth: .bearer(viewerA)).status == 404)
        #expect(try get(port, href).status == 200)
    }

    @Test func pagesLinkRequestsContextAndJobs() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60, maxAttempts: 1)
        let job = try t.store.enqueue(queue: "mail", payload: "{}")
        let (server, port) = try start(t)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        var body = Self.history()
        body += #"{"message": "job failed <script>alert(1)</script>", "level": "error", "service": "worker", "job_id": \#(job.id), "request_id": "req-<b>"}"#
        #expect(try send(port, "POST", "/api/v1/logs", body: body).status == 200)
        let page = try get(port, "/dashboard/system/logs?q=declined")
        #expect(page.status == 200)
        let html = page.text
        #expect(html.contains("<details class=\"log-row level-error\""))
        #expect(html.contains("href=\"/dashboard/system/logs?request=req-7f3a9c\""))
        #expect(html.contains("PaymentError: card_expired\n  at charge (billing.js:42)"))
        #expect(html.contains("<span class=\"j-key\">last4</span>"))
        #expect(html.contains("value=\"declined\""))
        let lineHref = try #require(html.firstMatch(of: /href="(\/dashboard\/system\/logs\/line\?[^"]+)" class="context-link"/)?.1)
        let context = try get(port, String(lineHref).replacingOccurrences(of: "&amp;", with: "&"))
        #expect(context.status == 200)
        // The lines around it in the same service (worker), the hit marked.
        #expect(context.text.contains("current") && context.text.contains("Payment declined: card_expired"))
        #expect(!context.text.contains("POST /v1/payments accepted"))
        // A job's page links to its lines; a line links to its job; hostile text stays text.
        let jobPage = try get(port, "/dashboard/system/jobs/\(job.id)").text
        #expect(jobPage.contains("href=\"/dashboard/system/logs?job=\(job.id)\""))
        let jobLines = try get(port, "/dashboard/system/logs?job=\(job.id)").text
        #expect(jobLines.contains("href=\"/dashboard/system/jobs/\(job.id)\" class=\"job-link-from-log\""))
        #expect(jobLines.contains("job failed &lt;script&gt;alert(1)&lt;/script&gt;") && !jobLines.contains("<script>"))
        #expect(jobLines.contains("req-&lt;b&gt;") && jobLines.contains("request=req-%3Cb%3E"))
        // The service filter lists what the data holds.
        #expect(html.contains("<option value=\"smtp\">smtp</option>") && html.contains("<option value=\"worker\">worker</option>"))
    }

    @Test func lookoutsOwnAccessLogIsSearchable() throws {
        let t = try TestStores()
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let probe = try get(port, "/dashboard/system/queues/does-not-exist")
        #expect(probe.status == 404)
        let requestID = try #require(probe.headers["X-Request-ID"])
        var found: [[String: Any]] = []
        for _ in 0..<40 where found.isEmpty {
            usleep(100_000)
            found = try json(try get(port, "/api/v1/logs?request=\(requestID)"))["lines"] as? [[String: Any]] ?? []
        }
        #expect(found.first?["service"] as? String == "lookout" && found.first?["level"] as? String == "warning")
        #expect((found.first?["message"] as? String)?.hasPrefix("GET /dashboard/system/queues/does-not-exist 404 in ") == true)
    }
}

/// A POST with a binary body, as the server's admin.
func sendBytes(_ port: UInt16, _ path: String, _ body: [UInt8], headers: [String: String]) throws -> RawResponse {
    let client = try RawClient(port: port)
    defer { client.close() }
    var head = "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n"
    if let token = TestTokens.admin(port) { head += "Authorization: Bearer \(token)\r\n" }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    try client.send(Array((head + "\r\n").utf8) + body)
    return try client.readResponse()
}
