import Foundation
import Lookout
import Testing
import TestSupport

@Suite("Job pages, bulk actions and the jobs API", .serialized)
struct JobPageTests {
    /// A failed job whose payload and error carry hostile text.
    func failedJob(_ t: TestStores, payload: String) throws -> Int {
        let job = try t.store.enqueue(queue: "agg", payload: payload)
        _ = try t.store.claim(job.id, worker: "w")
        _ = try t.store.fail(job.id, worker: "w", error: "Division by zero <script>alert(1)</script>", stack: "at \"mrr\" <b>88</b>", durationMilliseconds: 2)
        return job.id
    }

    @Test func jobPageShowsEverythingEscapedAndRedacted() throws {
        let t = try TestStores()
        try t.store.defineQueue("agg", targetSeconds: 3600, maxAttempts: 1)
        let id = try failedJob(t, payload: #"{"note": "<img src=x onerror=alert(1)>", "api_key": "sk_live_123", "nested": {"Password": "hunter2", "list": [1, "two", null, true]}, "x\"y": "\" onmouseover=\"z"}"#)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let page = try send(port, "GET", "/dashboard/system/jobs/\(id)")
        #expect(page.status == 200)
        let html = page.text
        #expect(!html.contains("<img src=x") && !html.contains("<script>alert") && !html.contains("<b>88</b>"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("Division by zero &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("sk_live_123") && !html.contains("hunter2"))
        #expect(html.contains("<span class=\"j-key\">api_key</span>: <span class=\"j-redacted\">\"[redacted]\"</span>"))
        #expect(html.contains("<span class=\"j-key\">Password</span>: <span class=\"j-redacted\">\"[redacted]\"</span>"))
        #expect(html.contains("<span class=\"j-key\">x&quot;y</span>"))
        #expect(html.contains("<details open><summary>"))
        #expect(html.contains("id=\"retry\" href=\"/dashboard/system/jobs/\(id)/confirm?action=retry\""))
        for event in ["enqueued", "started", "failed"] { #expect(html.contains("<td>\(event)</td>")) }
        let api = try send(port, "GET", "/api/v1/jobs/\(id)")
        #expect(api.text.contains("\"api_key\":\"[redacted]\""))
        #expect(!api.text.contains("sk_live_123"))
    }

    @Test func retryFromThePageRequeuesAndRedirectsWithAFlash() throws {
        let t = try TestStores()
        try t.store.defineQueue("agg", targetSeconds: 3600, maxAttempts: 1)
        let id = try failedJob(t, payload: "{}")
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let confirm = try send(port, "GET", "/dashboard/system/jobs/\(id)/confirm?action=retry")
        #expect(confirm.text.contains("action=\"/dashboard/system/jobs/\(id)/retry\""))
        let retried = try send(port, "POST", "/dashboard/system/jobs/\(id)/retry")
        #expect(retried.status == 303 && retried.headers["Location"] == "/dashboard/system/jobs/\(id)")
        #expect(try t.store.job(id)?.status == .waiting)
        #expect(try t.broker.readyLengths(["agg"]) == ["agg": 1])
        let again = try send(port, "POST", "/api/v1/jobs/\(id)/retry")
        #expect(again.status == 409)
        #expect(again.text.contains("is waiting, not failed"))
        let deleted = try send(port, "DELETE", "/api/v1/jobs/\(id)")
        #expect(deleted.status == 200)
        #expect(try t.store.job(id) == nil)
        #expect(try t.broker.readyLengths(["agg"]) == ["agg": 0])
        #expect(try send(port, "GET", "/dashboard/system/jobs/\(id)").status == 404)
    }

    @Test func queuePageListsByStatusKeysetPagedAndFiltersByPayload() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        try t.query("""
            INSERT INTO jobs (queue, payload, status, attempts, last_error)
            SELECT 'mail', jsonb_build_object('campaign_id', i % 3), 'failed', 1, 'x' FROM generate_series(1, 120) i
            """)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let first = try send(port, "GET", "/dashboard/system/queues/mail?status=failed")
        #expect(first.status == 200)
        let ids = first.text.components(separatedBy: "<tr data-job=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(ids.count == 50 && ids == ids.sorted(by: >))
        #expect(first.text.contains("id=\"older\" href=\"/dashboard/system/queues/mail?status=failed&amp;before=\(ids.last!)\""))
        let filtered = try send(port, "GET", "/dashboard/system/queues/mail?status=failed&payload=%7B%22campaign_id%22%3A1%7D&limit=500")
        #expect(filtered.text.components(separatedBy: "<tr data-job=").count - 1 == 40)
        let bad = try send(port, "GET", "/dashboard/system/queues/mail?payload=nope")
        #expect(bad.status == 400)
        #expect(bad.text.contains("&#39;payload&#39; must be a JSON object"))
        let badStatus = try send(port, "GET", "/api/v1/queues/mail/jobs?status=lost")
        #expect(badStatus.status == 400)
        #expect(badStatus.text.contains("'status' must be one of waiting, scheduled, active, completed, failed"))
        let badLimit = try send(port, "GET", "/api/v1/queues/mail/jobs?limit=0")
        #expect(badLimit.text.contains("'limit' must be a whole number from 1 to 500"))
        #expect(try send(port, "GET", "/api/v1/jobs/abc").status == 400)
        let find = try send(port, "GET", "/dashboard/system/queues/mail?job=\(ids[3])")
        #expect(find.status == 302 && find.headers["Location"] == "/dashboard/system/jobs/\(ids[3])")

        let bulk = try send(port, "POST", "/dashboard/system/queues/mail/retry-failed", body: "payload=%7B%22campaign_id%22%3A+1%7D")
        #expect(bulk.status == 303)
        let cookie = bulk.headers["Set-Cookie"]?.split(separator: ";").first.map(String.init)
        let after = try send(port, "GET", "/dashboard/system/queues/mail?status=failed", cookie: cookie)
        #expect(after.text.contains("Retried 40 failed jobs of mail."))
        let api = try send(port, "POST", "/api/v1/queues/mail/delete-failed")
        #expect(api.text == "{\"ok\":true,\"message\":\"Deleted 80 failed jobs from mail.\"}\n")
    }

    @Test func hostileQueueNamesAreRefusedByTheSchema() throws {
        let t = try TestStores()
        #expect(throws: (any Error).self) { try t.store.defineQueue("<script>", targetSeconds: 1) }
    }
}
