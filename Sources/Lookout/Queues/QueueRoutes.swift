import HTTP
import Templates
import Web

/// /dashboard/system/queues and /api/v1/queues: the queue table and its actions.
struct QueueRoutes {
    let pages: Pages
    let service: QueueService
    let audit: AuditLog

    func register(in router: inout Router) {
        router.get("/dashboard/system/queues") { request in try self.index(request) }
        router.post("/dashboard/system/queues/:name/pause") { request in try self.act(request, .pause) }
        router.post("/dashboard/system/queues/:name/resume") { request in try self.act(request, .resume) }
        router.post("/dashboard/system/queues/:name/repair") { request in try self.act(request, .repair) }

        // Thresholds are the admin's (the access middleware requires admin under /admin).
        router.post("/dashboard/admin/queues/:name") { request in
            let (name, result) = try self.updateSettings(request, try request.form())
            return Flash.redirect(to: JobRoutes.queuePath(name), message: result.message)
        }
        router.post("/api/v1/admin/queues/:name") { request in
            JobRoutes.apiResult(try self.updateSettings(request, Parameters(try AdminRoutes.fields(request).map { ($0.key, $0.value) })).1)
        }

        router.get("/api/v1/queues") { request in try self.apiList(request) }
        router.post("/api/v1/queues/:name/pause") { request in JobRoutes.apiResult(try self.perform(request, .pause)) }
        router.post("/api/v1/queues/:name/resume") { request in JobRoutes.apiResult(try self.perform(request, .resume)) }
        router.post("/api/v1/queues/:name/repair") { request in JobRoutes.apiResult(try self.perform(request, .repair)) }
    }

    func index(_ request: Request) throws -> HTTPResponse {
        let overview = try service.scoped(request.scope).overview()
        let rows: [TemplateValue] = overview.queues.map { q in
            [
                "name": .string(q.name),
                "path": .string(URLEncoding.percentEncode(q.name)),
                "health": .string(q.health.rawValue),
                "active": .int(q.active),
                "waiting": .int(q.waiting),
                "scheduled": .int(q.scheduled),
                "completed": .int(q.completedLastHour),
                "failed": .int(q.failed),
                "paused": .bool(q.paused),
                "age": .string(q.oldestWaitingSeconds.map(Self.age) ?? "—"),
                "ageHealth": .string(q.ageHealth.rawValue),
                "target": .string(Self.age(Double(q.targetSeconds))),
                "drift": .bool(q.drift),
                "redisReady": .int(q.redisReady ?? 0),
            ]
        }
        var response = pages.render("queues/index", for: request, title: "Queues", section: .queues, live: true, data: [
            "queues": .list(rows),
            "redisDown": .bool(!overview.redisAvailable),
        ])
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    enum Action: String {
        case pause, resume, repair
    }

    /// Pausing, resuming or repairing a queue reaches every tenant's jobs in it: refused to a
    /// principal bound to one tenant. Recorded in the audit log.
    func perform(_ request: Request, _ action: Action) throws -> QueueService.ActionResult {
        try request.requireAllTenants(action == .repair ? "repairing a queue" : "pausing or resuming a queue")
        let name = request.parameters["name"] ?? ""
        let result: QueueService.ActionResult
        switch action {
        case .pause: result = try service.setPaused(name, true)
        case .resume: result = try service.setPaused(name, false)
        case .repair: result = try service.repair(name)
        }
        audit.record(request, action: "queue." + action.rawValue, target: "queue:" + name, detail: result.message)
        return result
    }

    func updateSettings(_ request: Request, _ form: Parameters) throws -> (String, QueueService.ActionResult) {
        try request.requireAllTenants("changing a queue's thresholds")
        let name = request.parameters["name"] ?? ""
        guard let target = try form.int("target_seconds", in: 1...604_800) else { throw HTTPError.badRequest("'target_seconds' is required") }
        guard let attempts = try form.int("max_attempts", in: 1...100) else { throw HTTPError.badRequest("'max_attempts' is required") }
        let result = try service.updateSettings(name, targetSeconds: target, maxAttempts: attempts)
        audit.record(request, action: "queue.settings", target: "queue:" + name, detail: result.message)
        return (name, result)
    }

    /// Runs a form action, then redirects back with its outcome as a flash message.
    func act(_ request: Request, _ action: Action) throws -> HTTPResponse {
        Flash.redirect(to: "/dashboard/system/queues", message: try perform(request, action).message)
    }

    func apiList(_ request: Request) throws -> HTTPResponse {
        let overview = try service.scoped(request.scope).overview()
        let queues: [JSONValue] = overview.queues.map { q in
            [
                "name": .string(q.name), "target_seconds": .int(q.targetSeconds), "paused": .bool(q.paused),
                "active": .int(q.active), "waiting": .int(q.waiting), "scheduled": .int(q.scheduled),
                "failed": .int(q.failed), "completed_last_hour": .int(q.completedLastHour),
                "oldest_waiting_seconds": q.oldestWaitingSeconds.map { .double(($0 * 10).rounded() / 10) } ?? .null,
                "redis_ready": q.redisReady.map { .int($0) } ?? .null, "drift": .bool(q.drift),
                "health": .string(q.health.rawValue), "age_health": .string(q.ageHealth.rawValue),
            ]
        }
        return .json(["queues": .array(queues), "redis_available": .bool(overview.redisAvailable)])
    }

    /// "42 s", "3 min", "2 h 5 min".
    static func age(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        return s % 3600 / 60 == 0 ? "\(s / 3600) h" : "\(s / 3600) h \(s % 3600 / 60) min"
    }
}
