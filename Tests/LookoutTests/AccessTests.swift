import Foundation
import HTTP
import Lookout
import Postgres
import Testing
import TestSupport

/// A browser-like session: its cookie and the CSRF token its pages carry.
struct TestSession {
    let cookie: String
    let csrf: String
}

/// Signs in through the form, then reads the CSRF token from a page.
func signIn(_ port: UInt16, _ name: String, _ password: String) throws -> TestSession {
    let response = try send(port, "POST", "/sign-in", body: "name=\(name)&password=\(password)", auth: .none)
    try #require(response.status == 303, "sign-in answered \(response.status): \(response.text)")
    let setCookie = try #require(response.headers.values("Set-Cookie").first { $0.hasPrefix("lookout_session=") })
    let cookie = String(setCookie.prefix { $0 != ";" })
    let page = try send(port, "GET", "/dashboard/system", cookie: cookie, auth: .none)
    let csrf = try #require(page.text.firstMatch(of: /name="_csrf" value="([0-9a-f]{64})"/)?.1)
    return TestSession(cookie: cookie, csrf: String(csrf))
}

/// Fills a route pattern's captures with values that exist in the test data.
func concrete(_ pattern: String, queue: String = "mail", job: Int = 1) -> String {
    pattern.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
        if part == ":name" { return queue }
        if part == ":id" { return String(job) }
        if part.hasPrefix("*") { return "css/lookout.css" }
        return String(part)
    }.joined(separator: "/")
}

/// The routes open without a principal, by design (AccessMiddleware.isPublic).
let publicPatterns: Set<String> = ["/sign-in", "/public/*path", "/favicon.ico", "/health", "/api/v1/health/database",
                                   "/api/v1/health/redis", "/api/v1/health/workers"]

@Suite("Access: sign-in, roles, CSRF, tokens, expiry, throttling", .serialized)
struct AccessTests {
    static let password = "correct-horse-9"

    func users(_ t: TestStores) throws -> AccessStore {
        let store = AccessStore(database: t.database, bcryptCost: 4)
        try store.addUser(name: "ada", password: Self.password, role: .admin, tenant: nil)
        try store.addUser(name: "olga", password: Self.password, role: .operator, tenant: nil)
        try store.addUser(name: "vic", password: Self.password, role: .viewer, tenant: nil)
        return store
    }

    @Test func everyRouteWithoutCredentialsGoesToSignInOr401() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        var checked = 0
        for (method, pattern) in server.routes where !publicPatterns.contains(pattern) {
            let path = concrete(pattern)
            let response = try send(port, method, path, auth: .none)
            if path.hasPrefix("/api/") {
                #expect(response.status == 401, "\(method) \(path) answered \(response.status)")
                #expect(response.headers["WWW-Authenticate"] == "Bearer realm=\"lookout\"")
            } else {
                #expect(response.status == 303, "\(method) \(path) answered \(response.status)")
                #expect(response.headers["Location"]?.hasPrefix("/sign-in") == true, "\(method) \(path)")
                #expect(response.headers["Cache-Control"] == "no-store")
            }
            // A made-up token is no better than none.
            let forged = try send(port, method, path, auth: .bearer("lookout_" + String(repeating: "ab", count: 32)))
            #expect(forged.status == 401, "\(method) \(path) with a forged token answered \(forged.status)")
            checked += 1
        }
        #expect(checked >= 30)
        for pattern in publicPatterns where !pattern.hasPrefix("/sign-in") {
            #expect(try send(port, "GET", concrete(pattern), auth: .none).status == 200, "\(pattern) is for probes")
        }
        // A page asked for with its query comes back to it after sign-in.
        let page = try send(port, "GET", "/dashboard/system/queues/mail?status=failed", auth: .none)
        #expect(page.headers["Location"] == "/sign-in?next=%2Fdashboard%2Fsystem%2Fqueues%2Fmail%3Fstatus%3Dfailed")
    }

    @Test func signInSetsAHardenedCookieAndSignOutEndsTheSession() throws {
        let t = try TestStores()
        _ = try users(t)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL, arguments: ["--secure-cookies", "on"])
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let wrong = try send(port, "POST", "/sign-in", body: "name=ada&password=nope-nope", auth: .none)
        #expect(wrong.status == 401 && wrong.text.contains("Wrong user name or password."))
        #expect(wrong.headers.values("Set-Cookie").allSatisfy { !$0.hasPrefix("lookout_session=") })
        let unknown = try send(port, "POST", "/sign-in", body: "name=nobody&password=nope-nope", auth: .none)
        #expect(unknown.status == 401 && unknown.text.contains("Wrong user name or password."))

        let ok = try send(port, "POST", "/sign-in", body: "name=ADA&password=\(Self.password)&next=%2Fdashboard%2Fsystem%2Fqueues", auth: .none)
        #expect(ok.status == 303 && ok.headers["Location"] == "/dashboard/system/queues")
        let cookie = try #require(ok.headers.values("Set-Cookie").first { $0.hasPrefix("lookout_session=") })
        #expect(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax") && cookie.contains("; Secure"))
        let token = String(cookie.dropFirst("lookout_session=".count).prefix { $0 != ";" })
        #expect(token.count == 64)
        // Only the hash is stored.
        #expect(try t.query("SELECT count(*) AS n FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [token]).int(0, "n") == 1)
        #expect(try t.query("SELECT count(*) AS n FROM sessions WHERE encode(token_hash, 'hex') = $1 OR csrf_token = $1", [token]).int(0, "n") == 0)

        // An open redirect is not possible through `next`.
        let away = try send(port, "POST", "/sign-in", body: "name=ada&password=\(Self.password)&next=%2F%2Fevil.example", auth: .none)
        #expect(away.headers["Location"] == "/dashboard/system")

        let session = try signIn(port, "ada", Self.password)
        let page = try send(port, "GET", "/dashboard/system/queues", cookie: session.cookie, auth: .none)
        #expect(page.status == 200 && page.text.contains("ada · admin"))
        #expect(page.headers["Cache-Control"] == "no-store")
        let out = try send(port, "POST", "/sign-out", body: "_csrf=\(session.csrf)", cookie: session.cookie, auth: .none)
        #expect(out.status == 303 && out.headers["Location"] == "/sign-in")
        let after = try send(port, "GET", "/dashboard/system/queues", cookie: session.cookie, auth: .none)
        #expect(after.status == 303 && after.headers["Location"]?.contains("expired=1") == true)
        #expect(try AuditLog(database: t.database).entries(before: nil, limit: 50, actor: nil, action: nil).map(\.action)
                    .filter { $0.hasPrefix("sign") }.sorted() == ["sign-in", "sign-in", "sign-in", "sign-in.failed", "sign-in.failed", "sign-out"])
    }

    @Test func csrfTokenIsNeededOnEveryStateChangeFromASession() throws {
        let t = try TestStores()
        _ = try users(t)
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let session = try signIn(port, "olga", Self.password)
        for (method, pattern) in server.routes where method != "GET" && pattern != "/sign-in" {
            let path = concrete(pattern)
            for body in ["", "_csrf=", "_csrf=" + String(repeating: "0", count: 64), "_csrf=\(session.csrf)x"] {
                let response = try send(port, method, path, body: body, cookie: session.cookie, auth: .none)
                #expect(response.status == 403, "\(method) \(path) body '\(body)' answered \(response.status)")
            }
        }
        #expect(try t.query("SELECT paused FROM job_queues WHERE name = 'mail'").bool(0, "paused") == false)
        // The right token (as form field or header) is let through.
        let paused = try send(port, "POST", "/dashboard/system/queues/mail/pause", body: "_csrf=\(session.csrf)", cookie: session.cookie, auth: .none)
        #expect(paused.status == 303)
        let resumed = try send(port, "POST", "/api/v1/queues/mail/resume", cookie: session.cookie, auth: .none, headers: ["X-CSRF-Token": session.csrf])
        #expect(resumed.status == 200)
        // A browser saying the request is cross-site is refused even with the token.
        let cross = try send(port, "POST", "/dashboard/system/queues/mail/pause", body: "_csrf=\(session.csrf)", cookie: session.cookie,
                             auth: .none, headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(cross.status == 403)
        // Reading never changes state: GET on an action route is 405.
        #expect(try send(port, "GET", "/dashboard/system/queues/mail/pause", cookie: session.cookie, auth: .none).status == 405)
        let actions = try AuditLog(database: t.database).entries(before: nil, limit: 10, actor: "olga", action: nil).map(\.action)
        #expect(actions.prefix(2) == ["queue.resume", "queue.pause"])
    }

    @Test func eachRoleIsRefusedWhatItMayNotDo() throws {
        let t = try TestStores()
        let store = try users(t)
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let viewer = try store.createToken(name: "v", role: .viewer, tenant: nil, createdBy: "test").secret
        let op = try store.createToken(name: "o", role: .operator, tenant: nil, createdBy: "test").secret
        for (method, pattern) in server.routes where !publicPatterns.contains(pattern) && pattern != "/sign-out" {
            let path = concrete(pattern)
            let admin = path.hasPrefix("/dashboard/admin") || path.hasPrefix("/api/v1/admin")
            let asViewer = try send(port, method, path, auth: .bearer(viewer))
            // The confirm pages are GETs but lead to actions: refused to viewers too.
            let confirm = pattern.hasSuffix("/confirm") || pattern.hasSuffix("/bulk")
            if method != "GET" || admin || confirm {
                #expect(asViewer.status == 403, "viewer \(method) \(path) answered \(asViewer.status)")
            } else {
                #expect(asViewer.status != 403 && asViewer.status != 401, "viewer \(method) \(path) answered \(asViewer.status)")
            }
            if admin {
                let asOperator = try send(port, method, path, auth: .bearer(op))
                #expect(asOperator.status == 403, "operator \(method) \(path) answered \(asOperator.status)")
                // The router drops empty segments; the role check must judge the same path.
                for variant in ["/" + path, path.replacingOccurrences(of: "/admin", with: "//admin")] {
                    let sneaky = try send(port, method, variant, auth: .bearer(op))
                    #expect(sneaky.status == 403, "operator \(method) \(variant) answered \(sneaky.status)")
                }
            }
        }
        // A viewer's pages show no action buttons.
        let session = try signIn(port, "vic", Self.password)
        let page = try send(port, "GET", "/dashboard/system/queues", cookie: session.cookie, auth: .none)
        #expect(page.status == 200 && !page.text.contains("/pause\"") && !page.text.contains("Clear failed"))
        #expect(!page.text.contains("/dashboard/admin"))
        let asOperator = try send(port, "POST", "/api/v1/queues/mail/pause", auth: .bearer(op))
        #expect(asOperator.status == 200)
        #expect(try t.query("SELECT paused FROM job_queues WHERE name = 'mail'").bool(0, "paused") == true)
        let audit = try AuditLog(database: t.database).entries(before: nil, limit: 1, actor: nil, action: nil)[0]
        #expect(audit.actor == "token:o" && audit.action == "queue.pause" && audit.target == "queue:mail" && audit.address == "127.0.0.1")
    }

    @Test func sessionsEndWhenIdleOrTooOld() throws {
        let t = try TestStores()
        _ = try users(t)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL, arguments: ["--session-idle", "2"])
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let idle = try signIn(port, "vic", Self.password)
        #expect(try send(port, "GET", "/dashboard/system", cookie: idle.cookie, auth: .none).status == 200)
        usleep(2_500_000)
        let expired = try send(port, "GET", "/dashboard/system", cookie: idle.cookie, auth: .none)
        #expect(expired.status == 303 && expired.headers["Location"] == "/sign-in?next=%2Fdashboard%2Fsystem&expired=1")
        #expect(expired.headers.values("Set-Cookie").contains { $0.hasPrefix("lookout_session=;") && $0.contains("Max-Age=0") })
        #expect(try send(port, "GET", "/api/v1/queues", cookie: idle.cookie, auth: .none).status == 401)

        let old = try signIn(port, "vic", Self.password)
        try t.query("UPDATE sessions SET created_at = now() - interval '13 hours'")
        #expect(try send(port, "GET", "/dashboard/system", cookie: old.cookie, auth: .none).status == 303)
    }

    @Test func failedSignInsAreThrottledByNameAndByAddress() throws {
        let t = try TestStores()
        _ = try users(t)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        for _ in 0..<5 {
            #expect(try send(port, "POST", "/sign-in", body: "name=ada&password=guess-guess", auth: .none).status == 401)
        }
        // Now even the right password waits: the guesser cannot tell when they hit it.
        let locked = try send(port, "POST", "/sign-in", body: "name=ada&password=\(Self.password)", auth: .none)
        #expect(locked.status == 429)
        #expect(Int(locked.headers["Retry-After"] ?? "") ?? 0 > 800)
        #expect(locked.text.contains("Too many failed sign-ins"))
        // Another name from the same address still may, until the address has 20 failures.
        _ = try signIn(port, "olga", Self.password)
        for index in 0..<15 {
            _ = try send(port, "POST", "/sign-in", body: "name=user\(index)&password=guess-guess", auth: .none)
        }
        #expect(try send(port, "POST", "/sign-in", body: "name=vic&password=\(Self.password)", auth: .none).status == 429)
        // Failures age out of the window.
        try t.query("UPDATE sign_in_failures SET at = now() - interval '16 minutes'")
        #expect(try send(port, "POST", "/sign-in", body: "name=ada&password=\(Self.password)", auth: .none).status == 303)
        // ada's sixth try, user14 (the address's 21st attempt) and vic's.
        #expect(try AuditLog(database: t.database).entries(before: nil, limit: 100, actor: nil, action: "sign-in.throttled").count == 3)
    }

    @Test func apiTokensAreHashedRevocableAndManagedByAdmins() throws {
        let t = try TestStores()
        _ = try users(t)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let created = try send(port, "POST", "/api/v1/admin/tokens", body: #"{"name": "prometheus", "role": "viewer"}"#,
                               headers: ["Content-Type": "application/json"])
        #expect(created.status == 201)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any])
        let secret = try #require(json["token"] as? String)
        let id = try #require(json["id"] as? Int)
        #expect(secret.hasPrefix("lookout_") && secret.count == 72)
        #expect(try t.query("SELECT count(*) AS n FROM api_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [secret]).int(0, "n") == 1)
        #expect(try get(port, "/api/v1/queues", auth: .bearer(secret)).status == 200)
        #expect(try get(port, "/api/v1/queues", auth: .bearer(secret.uppercased())).status == 401)
        let list = try get(port, "/api/v1/admin/tokens")
        #expect(list.text.contains("\"prometheus\"") && !list.text.contains(secret))
        #expect(try send(port, "POST", "/api/v1/admin/tokens/\(id)/revoke").status == 200)
        #expect(try get(port, "/api/v1/queues", auth: .bearer(secret)).status == 401)
        #expect(try send(port, "POST", "/api/v1/admin/tokens/\(id)/revoke").status == 404)
        let bad = try send(port, "POST", "/api/v1/admin/tokens", body: #"{"name": "x", "role": "root"}"#, headers: ["Content-Type": "application/json"])
        #expect(bad.status == 400 && bad.text.contains("'role' must be one of ingest, viewer, operator, admin"))
        let bound = try send(port, "POST", "/api/v1/admin/tokens", body: "name=x&role=admin&tenant=acme")
        #expect(bound.status == 400)

        // The admin page shows a new token once, on the answer, never in a redirect or cookie.
        let session = try signIn(port, "ada", Self.password)
        let page = try send(port, "POST", "/dashboard/admin/tokens", body: "_csrf=\(session.csrf)&name=deploy&role=operator",
                            cookie: session.cookie, auth: .none)
        #expect(page.status == 200 && page.headers["Cache-Control"] == "no-store")
        let shown = try #require(page.text.firstMatch(of: /id="new-token">(lookout_[0-9a-f]{64})</)?.1)
        #expect(page.headers.values("Set-Cookie").allSatisfy { !$0.contains(String(shown)) })
        #expect(try get(port, "/api/v1/queues", auth: .bearer(String(shown))).status == 200)
        #expect(!(try send(port, "GET", "/dashboard/admin/tokens", cookie: session.cookie, auth: .none).text.contains(String(shown))))
    }

    @Test func adminsSetQueueThresholds() throws {
        let t = try TestStores()
        let store = try users(t)
        try t.store.defineQueue("mail", targetSeconds: 60)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let set = try send(port, "POST", "/api/v1/admin/queues/mail", body: #"{"target_seconds": "90", "max_attempts": "3"}"#,
                           headers: ["Content-Type": "application/json"])
        #expect(set.status == 200 && set.text.contains("target time 90 s, 3 attempts per job"))
        let row = try t.query("SELECT target_seconds, max_attempts FROM job_queues WHERE name = 'mail'")
        #expect(try row.int(0, "target_seconds") == 90 && row.int(0, "max_attempts") == 3)
        let bad = try send(port, "POST", "/api/v1/admin/queues/mail", body: "target_seconds=0&max_attempts=3")
        #expect(bad.status == 400 && bad.text.contains("'target_seconds' must be a whole number from 1 to 604800"))
        #expect(try send(port, "POST", "/api/v1/admin/queues/nope", body: "target_seconds=5&max_attempts=3").status == 404)
        let op = try store.createToken(name: "o", role: .operator, tenant: nil, createdBy: "test").secret
        #expect(try send(port, "POST", "/api/v1/admin/queues/mail", body: "target_seconds=5&max_attempts=3", auth: .bearer(op)).status == 403)
        // The form is on the queue page for admins only.
        let session = try signIn(port, "ada", Self.password)
        let page = try send(port, "GET", "/dashboard/system/queues/mail", cookie: session.cookie, auth: .none).text
        #expect(page.contains("action=\"/dashboard/admin/queues/mail\"") && page.contains("value=\"90\""))
        let olga = try signIn(port, "olga", Self.password)
        #expect(!(try send(port, "GET", "/dashboard/system/queues/mail", cookie: olga.cookie, auth: .none).text.contains("/dashboard/admin/queues")))
        let saved = try send(port, "POST", "/dashboard/admin/queues/mail", body: "_csrf=\(session.csrf)&target_seconds=120&max_attempts=2",
                             cookie: session.cookie, auth: .none)
        #expect(saved.status == 303 && saved.headers["Location"] == "/dashboard/system/queues/mail")
        #expect(try AuditLog(database: t.database).entries(before: nil, limit: 5, actor: nil, action: "queue.settings").count == 2)
    }

    @Test func adminsManageUsersButNeverRemoveTheLastAdmin() throws {
        let t = try TestStores()
        _ = try users(t)
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let session = try signIn(port, "ada", Self.password)
        func post(_ path: String, _ body: String) throws -> RawResponse {
            try send(port, "POST", path, body: "_csrf=\(session.csrf)&" + body, cookie: session.cookie, auth: .none)
        }
        #expect(try post("/dashboard/admin/users", "name=nina&password=abcdefgh12&role=viewer&tenant=acme").status == 303)
        #expect(try post("/dashboard/admin/users", "name=nina&password=abcdefgh12&role=viewer").status == 409)
        #expect(try post("/dashboard/admin/users", "name=%3Cscript%3E&password=abcdefgh12&role=viewer").status == 400)
        #expect(try post("/dashboard/admin/users", "name=pat&password=short&role=viewer").status == 400)
        #expect(try post("/dashboard/admin/users", "name=pat&password=abcdefgh12&role=admin&tenant=acme").status == 400)
        #expect(try post("/dashboard/admin/users/nina/role", "role=operator").status == 303)
        // ada is the only admin: neither demoted nor removed.
        let demote = try post("/dashboard/admin/users/ada/role", "role=viewer")
        #expect(demote.status == 409 && demote.text.contains("last admin"))
        #expect(try post("/dashboard/admin/users/ada/delete", "").status == 409)
        let olga = try signIn(port, "olga", Self.password)
        #expect(try post("/dashboard/admin/users/olga/delete", "").status == 303)
        // Removing a user ends their sessions at once.
        #expect(try send(port, "GET", "/dashboard/system", cookie: olga.cookie, auth: .none).status == 303)
        let users = try get(port, "/api/v1/admin/users").text
        #expect(users.contains("\"nina\"") && users.contains("\"operator\"") && users.contains("\"acme\"") && !users.contains("olga"))
        let audit = try get(port, "/api/v1/admin/audit?actor=ada").text
        for action in ["user.add", "user.role", "user.remove"] { #expect(audit.contains("\"action\":\"\(action)\"")) }
        #expect(!audit.contains("abcdefgh12"))
    }
}
