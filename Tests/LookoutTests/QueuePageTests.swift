import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Lookout
import Testing
import TestSupport

@Suite("Queue console pages and API", .serialized)
struct QueuePageTests {
    @Test func tableShowsEveryColumnAndColourAndActionsRoundTrip() throws {
        let t = try TestStores()
        try t.store.defineQueue("email-sending", targetSeconds: 300)
        try t.store.defineQueue("analytics:daily-aggregate", targetSeconds: 3600)
        try t.query("""
            INSERT INTO jobs (queue, payload, status) SELECT 'email-sending', '{}', 'waiting' FROM generate_series(1, 150)
            """)
        try t.query("""
            INSERT INTO jobs (queue, payload, status, attempts, last_error) SELECT 'analytics:daily-aggregate', '{}', 'failed', 2, 'x' FROM generate_series(1, 12)
            """)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }

        let page = try send(port, "GET", "/dashboard/system/queues")
        #expect(page.status == 200)
        for column in ["Queue Name", "Active", "Waiting", "Completed (last hour)", "Failed", "Actions"] {
            #expect(page.text.contains("<th class=\"num\">\(column)</th>") || page.text.contains("<th>\(column)</th>"), "\(column)")
        }
        #expect(page.text.contains("<tr class=\"row-yellow\" data-queue=\"email-sending\">"))        // 150 waiting
        #expect(page.text.contains("<tr class=\"row-red\" data-queue=\"analytics:daily-aggregate\">")) // 12 failed
        #expect(page.text.contains("href=\"/dashboard/system/queues/analytics%3Adaily-aggregate/bulk?action=delete\">Clear failed</a>"))
        #expect(page.text.contains("<meta http-equiv=\"refresh\" content=\"5\">"))

        let paused = try send(port, "POST", "/dashboard/system/queues/email-sending/pause")
        #expect(paused.status == 303)
        #expect(paused.headers["Location"] == "/dashboard/system/queues")
        let cookie = try #require(paused.headers["Set-Cookie"]?.split(separator: ";").first.map(String.init))
        let after = try send(port, "GET", "/dashboard/system/queues", cookie: cookie)
        #expect(after.text.contains("<p class=\"flash\" role=\"status\">Queue email-sending paused.</p>"))
        #expect(after.text.contains("<span class=\"badge paused\">paused</span>"))
        #expect(after.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
        #expect(try t.broker.isPaused("email-sending"))

        let confirm = try send(port, "GET", "/dashboard/system/queues/analytics%3Adaily-aggregate/bulk?action=delete")
        #expect(confirm.status == 200)
        #expect(confirm.text.contains("<strong>12</strong> job(s)"))
        let cleared = try send(port, "POST", "/dashboard/system/queues/analytics%3Adaily-aggregate/delete-failed")
        #expect(cleared.status == 303)
        #expect(try t.store.summaries().first { $0.name == "analytics:daily-aggregate" }?.failed == 0)
    }

    @Test func apiListsQueuesAndActsWithClearErrors() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let list = try send(port, "GET", "/api/v1/queues")
        #expect(list.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any])
        let queues = try #require(json["queues"] as? [[String: Any]])
        #expect(queues.first?["name"] as? String == "mail")
        #expect(queues.first?["target_seconds"] as? Int == 60)
        #expect(json["redis_available"] as? Bool == true)
        let pause = try send(port, "POST", "/api/v1/queues/mail/pause")
        #expect(pause.status == 200)
        #expect(pause.text == "{\"ok\":true,\"message\":\"Queue mail paused.\"}\n")
        let missing = try send(port, "POST", "/api/v1/queues/nope/resume")
        #expect(missing.status == 404)
        #expect(missing.text.contains("\"message\":\"no queue named 'nope'\""))
    }

    @Test func driftBetweenRedisAndPostgreSQLIsMarkedAndRepairable() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        for _ in 0..<3 { _ = try t.store.enqueue(queue: "mail", payload: "{}") }   // committed, never pushed
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        // The server's reconciler must see the gap once before the page shows it.
        var page = try send(port, "GET", "/dashboard/system/queues")
        for _ in 0..<30 where !page.text.contains("Redis out of sync") {
            usleep(200_000)
            page = try send(port, "GET", "/dashboard/system/queues")
        }
        #expect(page.text.contains("title=\"Redis lists 0 ready ids, PostgreSQL has 3 waiting jobs\">Redis out of sync</span>"))
        #expect(page.text.contains("action=\"/dashboard/system/queues/mail/repair\""))
        let repaired = try send(port, "POST", "/dashboard/system/queues/mail/repair")
        #expect(repaired.status == 303)
        #expect(try t.broker.readyLengths(["mail"]) == ["mail": 3])
        #expect(!(try send(port, "GET", "/dashboard/system/queues").text.contains("Redis out of sync")))
    }

    @Test func crossSiteFormPostsAreRefused() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        func post(_ headers: String) throws -> RawResponse {
            let client = try RawClient(port: port)
            defer { client.close() }
            try client.send("POST /dashboard/system/queues/mail/pause HTTP/1.1\r\nHost: localhost:\(port)\r\n\(headers)Content-Length: 0\r\n\r\n")
            return try client.readResponse()
        }
        #expect(try post("Sec-Fetch-Site: cross-site\r\n").status == 403)
        #expect(try post("Sec-Fetch-Site: same-site\r\n").status == 403)
        #expect(try post("Origin: http://evil.example\r\n").status == 403)
        #expect(try t.store.pausedQueues().isEmpty)
        #expect(try post("Sec-Fetch-Site: same-origin\r\nOrigin: http://localhost:\(port)\r\n").status == 303)
        #expect(try post("Origin: http://localhost:\(port)\r\n").status == 303)
        #expect(try post("").status == 303)   // not a browser: issue 4's tokens will cover it
    }

    @Test func withRedisDownThePageSaysSoAndStillWorks() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: "redis://127.0.0.1:1", databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let page = try send(port, "GET", "/dashboard/system/queues")
        #expect(page.status == 200)
        #expect(page.text.contains("Redis is not answering"))
        let pause = try send(port, "POST", "/api/v1/queues/mail/pause")
        #expect(pause.status == 202)
        #expect(pause.text.contains("\"redis_pending\":true"))
    }
}
