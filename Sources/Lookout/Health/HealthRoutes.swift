import HTTP
import Net
import Web

/// GET /health (seed 003's shape; 200 when every check passes, 503 naming what failed)
/// and the per-component endpoints under /api/v1/health/.
struct HealthRoutes {
    let health: HealthService

    func register(in router: inout Router) {
        router.get("/health") { _ in self.overall() }
        router.get("/api/v1/health/database") { _ in self.database() }
        router.get("/api/v1/health/redis") { _ in self.redis() }
        router.get("/api/v1/health/workers") { _ in self.workers() }
    }

    func overall() -> HTTPResponse {
        let checks = health.checkAll()
        var fields: [(String, JSONValue)] = checks.map { check in
            var detail: [(String, JSONValue)] = [("status", .string(check.healthy ? "healthy" : "unhealthy")),
                                                 ("response_time_ms", .double(check.responseTimeMilliseconds))]
            if let error = check.error { detail.append(("error", .string(error))) }
            return (check.name, .object(detail))
        }
        // Workers are reported, not judged: a console may watch a fleet that is scaled to zero.
        if let workers = health.liveWorkers() {
            fields.append(("workers", ["status": .string(workers.isEmpty ? "none" : "healthy"), "active_count": .int(workers.count)]))
        }
        fields.append(("api", ["status": "healthy", "uptime_seconds": .int(health.uptimeSeconds)]))
        let failing = checks.filter { !$0.healthy }.map { JSONValue.string($0.name) }
        var body: [(String, JSONValue)] = [
            ("status", .string(failing.isEmpty ? "healthy" : "unhealthy")),
            ("version", .string(LookoutVersion.current)),
            ("timestamp", .string(HTTPDate.iso8601())),
            ("checks", .object(fields)),
        ]
        if !failing.isEmpty { body.append(("failing", .array(failing))) }
        var response = HTTPResponse.json(.object(body), status: failing.isEmpty ? 200 : 503)
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    func database() -> HTTPResponse {
        let check = health.checkDatabase()
        let pool = health.database.statistics
        var body: [(String, JSONValue)] = [
            ("status", .string(check.healthy ? "healthy" : "unhealthy")),
            ("connection_pool", ["active": .int(pool.inUse), "idle": .int(pool.idle), "total": .int(pool.size)]),
            ("query_latency_ms", .double(check.responseTimeMilliseconds)),
        ]
        if let error = check.error { body.append(("error", .string(error))) }
        return .json(.object(body), status: check.healthy ? 200 : 503)
    }

    /// Workers with a live heartbeat (seed 003's /api/v1/health/workers).
    func workers() -> HTTPResponse {
        guard let workers = health.liveWorkers() else {
            return .json(["status": "unknown", "error": "Redis is not answering: heartbeats cannot be read"], status: 503)
        }
        return .json(["status": .string(workers.isEmpty ? "none" : "healthy"), "active_workers": .int(workers.count),
                      "workers": .array(workers.map { .string($0) })])
    }

    func redis() -> HTTPResponse {
        let start = MonotonicClock.now()
        do {
            let info = try health.redisInfo()
            let elapsed = Double(MonotonicClock.now() - start) / 1e6
            return .json([
                "status": "healthy",
                "memory_mb": .double(((info["used_memory"] ?? 0) / 1_048_576 * 100).rounded() / 100),
                "connected_clients": .int(Int(info["connected_clients"] ?? 0)),
                "ops_per_second": .int(Int(info["instantaneous_ops_per_sec"] ?? 0)),
                "response_time_ms": .double((elapsed * 100).rounded() / 100),
            ])
        } catch {
            return .json(["status": "unhealthy", "error": .string(String(describing: error))], status: 503)
        }
    }
}
