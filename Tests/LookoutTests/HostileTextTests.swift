import Foundation
import Lookout
import Postgres
import Web
import Testing
import TestSupport

@Suite("Hostile text in payloads, errors and names is inert on every page", .serialized)
struct HostileTextTests {
    static let attacks = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "' onmouseover='alert(3)",
        "javascript:alert(4)",
        "</textarea></code></pre><svg onload=alert(5)>",
    ]

    /// Markup that must never appear as markup: only as escaped text.
    func expectInert(_ html: String, _ where_: String) {
        #expect(!html.contains("<script"), "\(where_): a script tag")
        #expect(!html.contains("<img") && !html.contains("<svg"), "\(where_): an injected element")
        // Escaped text never holds a raw "<": every tag found is markup we wrote.
        for tag in html.matches(of: /<[A-Za-z][^>]*>/) {
            // Attribute values are quoted with '"', which escaping turns into &quot; inside
            // them: what is left outside the quotes is attribute names we wrote.
            let text = String(tag.output)
            let handler = text.replacing(/"[^"]*"/, with: "\"\"").contains(/\son[a-z]+\s*=/)
            #expect(!handler, "\(where_): an event handler in \(text.prefix(160))")
        }
        #expect(html.firstMatch(of: /(href|src|action)\s*=\s*["']?\s*javascript:/) == nil, "\(where_): a javascript: URL")
    }

    @Test func everyPageEscapesWhatJobsCarry() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60, maxAttempts: 1)
        let long = String(repeating: "A", count: 200_000) + "<script>alert(6)</script>"
        var fields = Self.attacks.enumerated().map { "\"k\($0.offset)\": \(jsonString($0.element))" }
        fields.append("\"url\": \"javascript:alert(7)\"")
        fields.append("\"long\": \(jsonString(long))")
        fields.append("\(jsonString("<b>key</b>")): 1")
        let job = try t.store.enqueue(queue: "mail", payload: "{" + fields.joined(separator: ", ") + "}", tenant: "acme")
        _ = try t.store.claim(job.id, worker: "<script>w</script>")
        _ = try t.store.fail(job.id, worker: "<script>w</script>", error: Self.attacks.joined(separator: " | ") + long,
                             stack: Self.attacks.joined(separator: "\n"), durationMilliseconds: 1)
        _ = try t.query("SELECT fold_job_counts()")
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let filter = URLEncoding.percentEncode(#"{"k0": "<script>alert(1)</script>"}"#)
        // An action whose audit record carries the hostile filter, so the audit page shows it.
        #expect(try send(port, "POST", "/api/v1/queues/mail/retry-failed?payload=\(filter)").status == 200)
        let pages = [
            "/dashboard/system/queues",
            "/dashboard/system/queues/mail?status=waiting",
            "/dashboard/system/queues/mail?status=failed&payload=\(filter)",
            "/dashboard/system/queues/mail/bulk?action=delete&payload=\(filter)",
            "/dashboard/system/jobs/\(job.id)",
            "/dashboard/system/jobs/\(job.id)/confirm?action=delete",
            "/dashboard/admin/audit",
            "/dashboard/admin/audit?actor=\(URLEncoding.percentEncode(Self.attacks[1]))",
            "/dashboard/system/queues/\(URLEncoding.percentEncode(Self.attacks[0]))",
            "/dashboard/system/jobs/\(URLEncoding.percentEncode(Self.attacks[1]))",
            "/sign-in?next=\(URLEncoding.percentEncode(Self.attacks[1]))",
        ]
        for path in pages {
            let response = try get(port, path, auth: path.hasPrefix("/sign-in") ? .none : .admin)
            #expect(response.status < 500, "\(path) answered \(response.status)")
            #expect(response.headers["Content-Type"]?.hasPrefix("text/html") == true, "\(path)")
            expectInert(response.text, path)
        }
        let jobPage = try get(port, "/dashboard/system/jobs/\(job.id)").text
        #expect(jobPage.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(jobPage.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(jobPage.contains("&lt;b&gt;key&lt;/b&gt;"))
        let queuePage = try get(port, "/dashboard/system/queues/mail?status=waiting").text
        #expect(queuePage.contains("/dashboard/system/jobs/\(job.id)\""))
        // JSON answers escape too, and are served as JSON (never sniffed as HTML).
        let api = try get(port, "/api/v1/jobs/\(job.id)")
        #expect(api.headers["Content-Type"] == "application/json" && api.headers["X-Content-Type-Options"] == "nosniff")
        #expect(!api.text.contains("</script>"))
        // Queue names cannot carry markup at all.
        #expect(throws: PostgresError.self) { try t.store.defineQueue("<script>alert(1)</script>", targetSeconds: 60) }
        #expect(throws: PostgresError.self) { try t.store.defineQueue("a\"b", targetSeconds: 60) }
    }

    func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed]), as: UTF8.self)
            .dropFirst().dropLast().description
    }
}
