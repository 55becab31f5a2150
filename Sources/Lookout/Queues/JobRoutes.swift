import HTTP
import Templates
import Web

/// One queue's jobs (/dashboard/system/queues/{name}), one job (/dashboard/system/jobs/{id}),
/// their actions, and the same under /api/v1.
struct JobRoutes {
    let pages: Pages
    let service: QueueService
    let payloads: PayloadView
    let audit: AuditLog

    /// The queue service confined to the tenant scope of whoever asks.
    func queues(_ request: Request) -> QueueService { service.scoped(request.scope) }

    func register(in router: inout Router) {
        router.get("/dashboard/system/queues/:name") { request in try self.queuePage(request) }
        router.get("/dashboard/system/queues/:name/bulk") { request in try self.confirmBulk(request) }
        router.post("/dashboard/system/queues/:name/retry-failed") { request in try self.bulk(request, retry: true) }
        router.post("/dashboard/system/queues/:name/delete-failed") { request in try self.bulk(request, retry: false) }
        router.get("/dashboard/system/jobs/:id") { request in try self.jobPage(request) }
        router.get("/dashboard/system/jobs/:id/confirm") { request in try self.confirmJob(request) }
        router.post("/dashboard/system/jobs/:id/retry") { request in try self.retry(request) }
        router.post("/dashboard/system/jobs/:id/delete") { request in try self.delete(request) }

        router.get("/api/v1/queues/:name/jobs") { request in try self.apiJobs(request) }
        router.post("/api/v1/queues/:name/retry-failed") { request in try self.apiBulk(request, retry: true) }
        router.post("/api/v1/queues/:name/delete-failed") { request in try self.apiBulk(request, retry: false) }
        router.get("/api/v1/jobs/:id") { request in try self.apiJob(request) }
        router.post("/api/v1/jobs/:id/retry") { request in try self.apiRetry(request) }
        router.delete("/api/v1/jobs/:id") { request in try self.apiDelete(request) }
        router.post("/api/v1/jobs/:id/delete") { request in try self.apiDelete(request) }
    }

    static func jobID(_ request: Request) throws(HTTPError) -> Int {
        guard let id = Int(request.parameters["id"] ?? ""), id > 0 else { throw HTTPError.badRequest("the job id must be a positive whole number") }
        return id
    }

    static func queuePath(_ name: String) -> String { "/dashboard/system/queues/" + URLEncoding.percentEncode(name) }

    // MARK: pages

    func queuePage(_ request: Request) throws -> HTTPResponse {
        let name = request.parameters["name"] ?? ""
        let summary = try queues(request).summary(name)
        if let wanted = request.query["job"], !wanted.isEmpty {
            guard let id = Int(wanted.trimmingOWS()), id > 0 else { throw HTTPError.badRequest("'job' must be a job id (a whole number)") }
            return .redirect(to: "/dashboard/system/jobs/\(id)", status: 302)
        }
        let query = try JobQuery(request.query, defaultStatus: summary.failed > 0 ? .failed : .waiting)
        let jobs = try queues(request).jobs(queue: name, status: query.status, before: query.before, limit: query.limit, payloadFilter: query.payload)
        let counts: [JobStatus: Int] = [.waiting: summary.waiting, .scheduled: summary.scheduled, .active: summary.active,
                                        .failed: summary.failed]
        let tabs: [TemplateValue] = JobStatus.allCases.map { status in
            [
                "status": .string(status.rawValue),
                "label": .string(status.rawValue.capitalized),
                "count": counts[status].map { .string(String($0)) } ?? .null,
                "current": .bool(status == query.status),
                "href": .string(Self.queuePath(name) + "?status=\(status.rawValue)" + (query.payload.map { "&payload=" + URLEncoding.percentEncode($0) } ?? "")),
            ]
        }
        let rows: [TemplateValue] = jobs.map { job in
            [
                "id": .int(job.id), "status": .string(job.status.rawValue), "created": .string(job.createdAt),
                "attempts": .int(job.attempts), "maxAttempts": .int(job.maxAttempts),
                "error": TemplateValue(job.lastError.map { String($0.prefix(140)) }),
                "preview": .string(payloads.preview(job.payload)),
            ]
        }
        let filterQuery = query.payload.map { "&payload=" + URLEncoding.percentEncode($0) } ?? ""
        let olderHref = jobs.count == query.limit ? jobs.last.map { Self.queuePath(name) + "?status=\(query.status.rawValue)&before=\($0.id)" + filterQuery } : nil
        var response = pages.render("queues/show", for: request, title: name, section: .queues, live: true, data: [
            "name": .string(name),
            "path": .string(Self.queuePath(name)),
            "tabs": .list(tabs),
            "jobs": .list(rows),
            "status": .string(query.status.rawValue),
            "isFailed": .bool(query.status == .failed),
            "payload": TemplateValue(query.payload),
            "payloadParam": .string(query.payload.map(URLEncoding.percentEncode) ?? ""),
            "olderHref": TemplateValue(olderHref),
            "paged": .bool(query.before != nil),
            "newestHref": .string(Self.queuePath(name) + "?status=\(query.status.rawValue)" + filterQuery),
            "completedLastHour": .int(summary.completedLastHour),
            "targetSeconds": .int(summary.targetSeconds),
            "pathName": .string(URLEncoding.percentEncode(name)),
            "maxAttempts": .int(summary.maxAttempts),
        ])
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    func confirmBulk(_ request: Request) throws -> HTTPResponse {
        try request.require(.operator)
        let name = request.parameters["name"] ?? ""
        let summary = try queues(request).summary(name)
        let query = try JobQuery(request.query, defaultStatus: .failed)
        let retry = request.query["action"] == "retry"
        guard retry || request.query["action"] == "delete" else { throw HTTPError.badRequest("'action' must be retry or delete") }
        return pages.render("queues/bulk", for: request, title: retry ? "Retry failed jobs" : "Delete failed jobs", section: .queues, live: false, data: [
            "name": .string(name), "path": .string(Self.queuePath(name)),
            "failed": .int(summary.failed),
            "payload": TemplateValue(query.payload),
            "action": .string(retry ? "retry-failed" : "delete-failed"),
            "verb": .string(retry ? "Retry every failed job" : "Delete every failed job"),
            "danger": .bool(!retry),
        ])
    }

    func bulk(_ request: Request, retry: Bool) throws -> HTTPResponse {
        let name = request.parameters["name"] ?? ""
        let query = try JobQuery(try request.form(), defaultStatus: .failed)
        let result = try bulkAction(request, name: name, payload: query.payload, retry: retry)
        return Flash.redirect(to: Self.queuePath(name) + "?status=failed", message: result.message)
    }

    func jobPage(_ request: Request) throws -> HTTPResponse {
        let (job, logs) = try queues(request).job(try Self.jobID(request))
        let history: [TemplateValue] = logs.map { log in
            [
                "time": .string(log.createdAt), "attempt": .int(log.attempt), "event": .string(log.event),
                "worker": TemplateValue(log.workerID), "message": TemplateValue(log.message),
                "duration": TemplateValue(log.durationMilliseconds.map { String(format2: $0) + " ms" }),
                "stack": TemplateValue(log.stack),
            ]
        }
        var response = pages.render("jobs/show", for: request, title: "Job \(job.id)", section: .queues, live: job.status == .active || job.status == .waiting, data: [
            "id": .int(job.id), "queue": .string(job.queue), "queuePath": .string(Self.queuePath(job.queue)),
            "status": .string(job.status.rawValue), "tenant": TemplateValue(job.tenant),
            "created": .string(job.createdAt), "updated": .string(job.updatedAt), "started": TemplateValue(job.startedAt),
            "finished": TemplateValue(job.finishedAt), "runAt": .string(job.runAt), "worker": TemplateValue(job.workerID),
            "attempts": .int(job.attempts), "maxAttempts": .int(job.maxAttempts),
            "payloadHTML": .html(payloads.html(job.payload)),
            "error": TemplateValue(job.lastError), "stack": TemplateValue(job.lastStack),
            "history": .list(history),
            "canRetry": .bool(job.status == .failed),
        ])
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    func confirmJob(_ request: Request) throws -> HTTPResponse {
        try request.require(.operator)
        let (job, _) = try queues(request).job(try Self.jobID(request))
        let action = request.query["action"] ?? ""
        guard action == "retry" || action == "delete" else { throw HTTPError.badRequest("'action' must be retry or delete") }
        return pages.render("jobs/confirm", for: request, title: action == "retry" ? "Retry job \(job.id)" : "Delete job \(job.id)",
                            section: .queues, live: false, data: [
            "id": .int(job.id), "queue": .string(job.queue), "status": .string(job.status.rawValue),
            "action": .string(action), "retry": .bool(action == "retry"),
        ])
    }

    func retry(_ request: Request) throws -> HTTPResponse {
        let id = try Self.jobID(request)
        let result = try retryJob(request, id)
        return Flash.redirect(to: "/dashboard/system/jobs/\(id)", message: result.message)
    }

    func delete(_ request: Request) throws -> HTTPResponse {
        let (queue, result) = try deleteJob(request, try Self.jobID(request))
        return Flash.redirect(to: Self.queuePath(queue), message: result.message)
    }

    // MARK: API

    func jobJSON(_ job: JobRecord) -> JSONValue {
        [
            "id": .int(job.id), "queue": .string(job.queue), "status": .string(job.status.rawValue),
            "tenant": job.tenant.map { .string($0) } ?? .null,
            "payload": payloads.redacted(text: job.payload),
            "attempts": .int(job.attempts), "max_attempts": .int(job.maxAttempts),
            "created_at": .string(job.createdAt), "updated_at": .string(job.updatedAt),
            "started_at": job.startedAt.map { .string($0) } ?? .null, "finished_at": job.finishedAt.map { .string($0) } ?? .null,
            "run_at": .string(job.runAt), "worker_id": job.workerID.map { .string($0) } ?? .null,
            "last_error": job.lastError.map { .string($0) } ?? .null, "last_stack": job.lastStack.map { .string($0) } ?? .null,
        ]
    }

    func apiJobs(_ request: Request) throws -> HTTPResponse {
        let name = request.parameters["name"] ?? ""
        _ = try queues(request).summary(name)
        let query = try JobQuery(request.query, defaultStatus: .failed)
        let jobs = try queues(request).jobs(queue: name, status: query.status, before: query.before, limit: query.limit, payloadFilter: query.payload)
        let next: JSONValue = jobs.count == query.limit ? (jobs.last.map { .int($0.id) } ?? .null) : .null
        return .json(["queue": .string(name), "status": .string(query.status.rawValue), "jobs": .array(jobs.map(jobJSON)), "next_before": next])
    }

    func apiJob(_ request: Request) throws -> HTTPResponse {
        let (job, logs) = try queues(request).job(try Self.jobID(request))
        var body = jobJSON(job)
        if case .object(var fields) = body {
            fields.append(("history", .array(logs.map { log in
                ["attempt": .int(log.attempt), "event": .string(log.event), "worker_id": log.workerID.map { .string($0) } ?? .null,
                 "message": log.message.map { .string($0) } ?? .null, "duration_ms": log.durationMilliseconds.map { .double($0) } ?? .null,
                 "created_at": .string(log.createdAt)]
            })))
            body = .object(fields)
        }
        return .json(body)
    }

    func apiRetry(_ request: Request) throws -> HTTPResponse {
        Self.apiResult(try retryJob(request, try Self.jobID(request)))
    }

    func apiDelete(_ request: Request) throws -> HTTPResponse {
        Self.apiResult(try deleteJob(request, try Self.jobID(request)).result)
    }

    func apiBulk(_ request: Request, retry: Bool) throws -> HTTPResponse {
        let name = request.parameters["name"] ?? ""
        let query = try JobQuery(request.query, defaultStatus: .failed)
        return Self.apiResult(try bulkAction(request, name: name, payload: query.payload, retry: retry))
    }

    // MARK: actions, each recorded in the audit log

    func bulkAction(_ request: Request, name: String, payload: String?, retry: Bool) throws -> QueueService.ActionResult {
        let actor = try request.signedIn().actor
        let result = retry ? try queues(request).retryFailed(name, payloadFilter: payload, actor: actor)
                           : try queues(request).deleteFailed(name, payloadFilter: payload)
        audit.record(request, action: retry ? "jobs.retry-failed" : "jobs.delete-failed", target: "queue:" + name,
                     detail: result.message + (payload.map { " Payload filter: " + $0 } ?? ""))
        return result
    }

    func retryJob(_ request: Request, _ id: Int) throws -> QueueService.ActionResult {
        let result = try queues(request).retryJob(id, actor: try request.signedIn().actor)
        audit.record(request, action: "job.retry", target: "job:\(id)", detail: result.message)
        return result
    }

    func deleteJob(_ request: Request, _ id: Int) throws -> (queue: String, result: QueueService.ActionResult) {
        let outcome = try queues(request).deleteJob(id)
        audit.record(request, action: "job.delete", target: "job:\(id)", detail: "queue \(outcome.queue): " + outcome.result.message)
        return outcome
    }

    static func apiResult(_ result: QueueService.ActionResult) -> HTTPResponse {
        switch result {
        case .done(let text): return .json(["ok": true, "message": .string(text)])
        case .savedRedisPending(let text): return .json(["ok": true, "redis_pending": true, "message": .string(text)], status: 202)
        }
    }
}

extension QueueService.ActionResult {
    var message: String {
        switch self {
        case .done(let text), .savedRedisPending(let text): return text
        }
    }
}
