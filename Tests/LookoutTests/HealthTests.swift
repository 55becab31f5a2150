import Foundation
import HTTP
import Lookout
import Net
import Synchronization
import Postgres
import Testing
import TestSupport

/// Runs the whole application in-process on a free port.
func startLookout(redisURL: String? = nil, databaseURL: String? = nil, arguments: [String] = []) throws -> (LookoutServer, UInt16) {
    let databaseURL = try databaseURL ?? TestServices.databaseURL()
    let settings = try ServeSettings(arguments: ["--port", "0", "--access-log", "off", "--resources", TestServices.packageRoot] + arguments,
                                     environment: ["LOOKOUT_DATABASE_URL": databaseURL,
                                                   "LOOKOUT_REDIS_URL": try redisURL ?? TestServices.redisURL()])
    let server = try LookoutServer(settings: settings)
    let address = try server.start()
    // An admin token for the requests tests send (unless they say otherwise); none when
    // the database is unreachable or unmigrated, which some tests want.
    if let token = try? AccessStore(database: PostgresPool(url: databaseURL, size: 1), bcryptCost: 4)
        .createToken(name: "tests", role: .admin, tenant: nil, createdBy: "tests").secret {
        TestTokens.set(address.port, token)
    }
    return (server, address.port)
}

/// The admin token of each server the tests started, by port.
enum TestTokens {
    private static let tokens = Mutex<[UInt16: String]>([:])
    static func set(_ port: UInt16, _ token: String) { tokens.withLock { $0[port] = token } }
    static func admin(_ port: UInt16) -> String? { tokens.withLock { $0[port] } }
}

/// How a test request proves who it is.
enum Auth {
    /// The server's admin token (the default).
    case admin
    /// No credentials at all.
    case none
    case bearer(String)
}

/// One request on a new connection; forms for anything but GET.
func send(_ port: UInt16, _ method: String, _ path: String, body: String = "", cookie: String? = nil, auth: Auth = .admin,
          headers: [String: String] = [:]) throws -> RawResponse {
    let client = try RawClient(port: port)
    defer { client.close() }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
    if let cookie { head += "Cookie: \(cookie)\r\n" }
    switch auth {
    case .admin: if let token = TestTokens.admin(port) { head += "Authorization: Bearer \(token)\r\n" }
    case .none: break
    case .bearer(let token): head += "Authorization: Bearer \(token)\r\n"
    }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if method != "GET" && headers["Content-Type"] == nil { head += "Content-Type: application/x-www-form-urlencoded\r\n" }
    if method != "GET" { head += "Content-Length: \(body.utf8.count)\r\n" }
    try client.send(head + "\r\n" + body)
    return try client.readResponse()
}

func get(_ port: UInt16, _ path: String, auth: Auth = .admin) throws -> RawResponse {
    try send(port, "GET", path, auth: auth)
}

@Suite("Health against the real PostgreSQL and Redis", .serialized)
struct HealthTests {
    @Test func healthyWhenBothAnswer() throws {
        let (server, port) = try startLookout()
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let response = try get(port, "/health")
        #expect(response.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(json["status"] as? String == "healthy")
        #expect(json["version"] as? String == LookoutVersion.current)
        #expect((json["timestamp"] as? String)?.hasSuffix("Z") == true)
        let checks = try #require(json["checks"] as? [String: [String: Any]])
        #expect(checks["database"]?["status"] as? String == "healthy")
        #expect(checks["database"]?["response_time_ms"] is Double)
        #expect(checks["redis"]?["status"] as? String == "healthy")
        #expect(checks["api"]?["uptime_seconds"] is Int)
        #expect(json["failing"] == nil)
    }

    @Test func unhealthyWith503NamingRedisWhenRedisIsDown() throws {
        let (server, port) = try startLookout(redisURL: "redis://127.0.0.1:1")
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let response = try get(port, "/health")
        #expect(response.status == 503)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(json["status"] as? String == "unhealthy")
        #expect(json["failing"] as? [String] == ["redis"])
        let checks = try #require(json["checks"] as? [String: [String: Any]])
        #expect(checks["database"]?["status"] as? String == "healthy")
        #expect(checks["redis"]?["status"] as? String == "unhealthy")
        #expect((checks["redis"]?["error"] as? String)?.contains("Redis connection failed") == true)
    }

    @Test func unhealthyNamingTheDatabaseWithoutLeakingItsMessage() throws {
        let (server, port) = try startLookout(databaseURL: "postgresql://nobody@127.0.0.1:1/none")
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let response = try get(port, "/health")
        #expect(response.status == 503)
        #expect(response.text.contains("\"failing\":[\"database\"]"))
        #expect(!response.text.contains("127.0.0.1"))
    }

    @Test func workersAreCountedFromTheirHeartbeatsWithoutMakingHealthFail() throws {
        let t = try TestStores()
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        var health = try get(port, "/health")
        #expect(health.status == 200)
        #expect(health.text.contains("\"workers\":{\"status\":\"none\",\"active_count\":0}"))
        try t.broker.heartbeat(worker: "mailer-1", json: "{}")
        try t.broker.heartbeat(worker: "mailer-2", json: "{}")
        health = try get(port, "/health")
        #expect(health.text.contains("\"workers\":{\"status\":\"healthy\",\"active_count\":2}"))
        let workers = try get(port, "/api/v1/health/workers")
        #expect(workers.text == "{\"status\":\"healthy\",\"active_workers\":2,\"workers\":[\"mailer-1\",\"mailer-2\"]}\n")
    }

    @Test func componentEndpoints() throws {
        let (server, port) = try startLookout()
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let database = try get(port, "/api/v1/health/database")
        #expect(database.status == 200)
        #expect(database.text.contains("\"connection_pool\":{\"active\":"))
        let redis = try get(port, "/api/v1/health/redis")
        #expect(redis.status == 200)
        #expect(redis.text.contains("\"connected_clients\":"))
    }

    @Test func overviewPageRendersInTheLayoutWithRefreshControl() throws {
        let t = try TestStores()
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let live = try get(port, "/dashboard/system")
        #expect(live.status == 200)
        #expect(live.text.contains("<meta http-equiv=\"refresh\" content=\"5\">"))
        #expect(live.text.contains("href=\"/dashboard/system?refresh=off\">Pause</a>"))
        #expect(live.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
        let paused = try get(port, "/dashboard/system?refresh=off")
        #expect(!paused.text.contains("http-equiv=\"refresh\""))
        #expect(paused.text.contains(">Resume</a>"))
        #expect(paused.text.contains("href=\"/dashboard/system/queues?refresh=off\""))
    }

    @Test func errorPagesUseTheLayoutAndNeverLeakDetails() throws {
        let (server, port) = try startLookout()
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let missing = try get(port, "/dashboard/system/nowhere")
        #expect(missing.status == 404)
        #expect(missing.text.contains("<nav class=\"top\">"))
        #expect(missing.headers["X-Request-ID"].map { missing.text.contains($0) } == true)
        let api = try get(port, "/api/v1/nowhere")
        #expect(api.status == 404)
        #expect(api.headers["Content-Type"] == "application/json")
    }

    @Test func staticFilesAreServedUnderPublic() throws {
        let (server, port) = try startLookout()
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let css = try get(port, "/public/css/lookout.css")
        #expect(css.status == 200)
        #expect(css.text.contains("prefers-color-scheme: dark"))
        #expect(try get(port, "/public/%2e%2e/Package.swift").status == 404)
        #expect(try get(port, "/public/../Package.swift").status == 404)
    }
}

@Suite("Store outages reach clients as 503s", .serialized)
struct OutageTests {
    @Test func theQueuePageSaysTheDatabaseIsDownWithoutDetails() throws {
        let (server, port) = try startLookout(databaseURL: "postgresql://nobody@127.0.0.1:1/none")
        defer { server.beginShutdown(); server.waitUntilStopped() }
        // Finding out who is asking needs the database already: that is the 503.
        let someone = Auth.bearer("lookout_" + String(repeating: "0", count: 64))
        let page = try get(port, "/dashboard/system/queues", auth: someone)
        #expect(page.status == 503)
        #expect(page.headers["Retry-After"] == "5")
        #expect(page.text.contains("the database is not answering right now"))
        #expect(!page.text.contains("127.0.0.1:1") && !page.text.contains("nobody"))
        let api = try get(port, "/api/v1/queues", auth: someone)
        #expect(api.status == 503)
        #expect(api.text.contains("\"status\":503"))
    }
}
