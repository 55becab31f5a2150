import HTTP
import Synchronization
import Templates
import Web

/// /dashboard/system/logs (search, one line with its context, CSV export) and /api/v1/logs
/// (search as JSON, ingestion).
struct LogRoutes {
    let pages: Pages
    let store: LogStore
    let ingester: LogIngester
    let payloads: PayloadView
    let maxIngestBytes: Int
    let now: @Sendable () -> Int64
    /// Exports running now, and how many may (each holds one connection of the export pool).
    let exports: ExportSlots

    func register(in router: inout Router) {
        router.get("/dashboard/system/logs") { request in try self.page(request) }
        router.get("/dashboard/system/logs/line") { request in try self.linePage(request) }
        router.get("/dashboard/system/logs/export.csv") { request in try self.export(request) }
        router.get("/api/v1/logs") { request in try self.apiSearch(request) }
        router.get("/api/v1/logs/export.csv") { request in try self.export(request) }
        router.post("/api/v1/logs") { request in try self.ingest(request) }
    }

    func logs(_ request: Request) -> LogStore { store.scoped(request.scope) }

    func query(_ request: Request) throws(HTTPError) -> LogQuery {
        try LogQuery(request.query, now: now(), retentionDays: ingester.retentionDays)
    }

    // MARK: pages

    func page(_ request: Request) throws -> HTTPResponse {
        let query = try query(request)
        var problem: String?
        var status = 200
        var lines: [LogEntry] = []
        do {
            lines = try logs(request).search(query)
        } catch let error as LogStore.SearchProblem {
            (status, problem) = Self.explain(error)
        }
        let services = try logs(request).services()
        let older = lines.count == query.limit ? lines.last.map { "/dashboard/system/logs?" + query.queryString + "&before=" + Self.cursor($0) } : nil
        var response = pages.render("logs/index", for: request, title: "Logs", section: .logs, live: false, data: [
            "q": TemplateValue(request.query["q"]),
            "regex": .bool(query.regex),
            "levels": .list(LogLevel.filters.map { ["value": .string($0.name), "label": .string($0.label), "selected": .bool(query.level == $0.name)] }),
            "services": .list(services.map { ["value": .string($0), "selected": .bool(query.service == $0)] }),
            "ranges": .list(LogQuery.Range.allCases.map { ["value": .string($0.rawValue), "label": .string($0.label), "selected": .bool(query.range == $0)] }),
            "custom": .bool(query.range == .custom),
            "from": .string(query.range == .custom ? String(UTCTime.isoSeconds(query.from).prefix(16)) : ""),
            "to": .string(query.range == .custom ? String(UTCTime.isoSeconds(query.to).prefix(16)) : ""),
            "request": TemplateValue(query.requestID),
            "requestClear": .string(Self.without(query, "request")),
            "job": query.jobID.map { .int($0) } ?? .null,
            "jobClear": .string(Self.without(query, "job")),
            "lines": .list(lines.map(row)),
            "empty": .bool(lines.isEmpty && problem == nil),
            "problem": TemplateValue(problem),
            "exportHref": .string("/dashboard/system/logs/export.csv?" + query.queryString),
            "olderHref": TemplateValue(older),
            "newestHref": TemplateValue(query.before == nil ? nil : "/dashboard/system/logs?" + query.queryString),
            "rangeLabel": .string(query.range.label.lowercased()),
        ])
        response.status = status
        return response
    }

    /// What to tell the user about a search that could not run, and the status.
    static func explain(_ problem: LogStore.SearchProblem) -> (Int, String) {
        switch problem {
        case .invalidRegex(let reason):
            return (400, "That regular expression does not compile: \(reason). Search without the slashes (or the Regex box) for plain text.")
        case .timedOut:
            return (503, "The search ran out of time. Narrow the time range, pick a level or a service, or search a longer phrase (three characters or more use the index).")
        }
    }

    func row(_ line: LogEntry) -> TemplateValue {
        let firstLine = line.message.prefix { $0 != "\n" }
        return [
            "id": .int(line.id), "at": .string(line.at), "time": .string(Self.displayTime(line.at)),
            "level": .string(line.level.rawValue), "service": .string(line.service),
            "summary": .string(String(firstLine.prefix(300)) + (firstLine.count > 300 || firstLine.count < line.message.count ? " …" : "")),
            "message": .string(line.message),
            "requestID": TemplateValue(line.requestID),
            "requestHref": TemplateValue(line.requestID.map { "/dashboard/system/logs?request=" + URLEncoding.percentEncode($0) }),
            "userID": TemplateValue(line.userID), "tenant": TemplateValue(line.tenant),
            "jobID": line.jobID.map { .int($0) } ?? .null,
            "stack": TemplateValue(line.stack),
            "contextHTML": line.context.map { .html(payloads.html($0)) } ?? .null,
            "lineHref": .string(Self.lineHref(line)),
        ]
    }

    static func lineHref(_ line: LogEntry) -> String {
        "/dashboard/system/logs/line?at=" + URLEncoding.percentEncode(line.at) + "&id=\(line.id)"
    }

    static func cursor(_ line: LogEntry) -> String { URLEncoding.percentEncode(line.at + "~" + String(line.id)) }

    /// "2026-11-23 08:00:00.123" from the stored ISO form.
    static func displayTime(_ iso: String) -> String {
        String(iso.prefix(23)).replacingFirst("T", with: " ")
    }

    static func without(_ query: LogQuery, _ name: String) -> String {
        let pairs = query.parameters.filter { $0.0 != name && !($0.0 == "range" && $0.1 == LogQuery.Range.all.rawValue) }
        return "/dashboard/system/logs" + (pairs.isEmpty ? "" : "?" + pairs.map { URLEncoding.percentEncode($0.0) + "=" + URLEncoding.percentEncode($0.1) }.joined(separator: "&"))
    }

    func linePage(_ request: Request) throws -> HTTPResponse {
        guard let at = request.query["at"], UTCTime.parse(at) != nil else { throw HTTPError.badRequest("'at' must be the line's time (ISO 8601)") }
        guard let id = try request.query.int("id", in: 1...Int.max) else { throw HTTPError.badRequest("'id' is required") }
        let store = logs(request)
        let context: [LogEntry]
        let line: LogEntry
        do {
            guard let found = try store.line(at: at, id: id) else { throw HTTPError.notFound("no log line \(id) at \(at)") }
            line = found
            context = try store.context(of: found)
        } catch let error as LogStore.SearchProblem {
            throw HTTPError(Self.explain(error).0, Self.explain(error).1)
        }
        return pages.render("logs/line", for: request, title: "Log line \(id)", section: .logs, live: false, data: [
            "line": row(line),
            "context": .list(context.map { entry in row(entry).setting("current", .bool(entry.id == line.id)) }),
            "serviceHref": .string("/dashboard/system/logs?service=" + URLEncoding.percentEncode(line.service)),
        ])
    }

    // MARK: export

    static let csvHeader = CSVWriter.record(["timestamp", "level", "service", "message", "request_id", "user_id", "tenant", "job_id", "stack", "context"])

    /// Streams every matching line, not one page: a server-side cursor feeds the chunked body.
    func export(_ request: Request) throws -> HTTPResponse {
        let query = try query(request)
        let store = logs(request)
        if query.regex, let text = query.text {
            do { try store.checkRegex(text) } catch let error as LogStore.SearchProblem { throw HTTPError(Self.explain(error).0, Self.explain(error).1) }
        }
        var headers: HTTPHeaders = ["Content-Type": "text/csv; charset=utf-8"]
        let stamp = UTCTime.isoSeconds(now()).filter { $0.isNumber }
        headers.set("Content-Disposition", "attachment; filename=\"lookout-logs-\(stamp).csv\"")
        // HEAD gets the headers only: no stream runs, so no slot is taken.
        guard request.method == "GET" else { return HTTPResponse(status: 200, headers: headers) }
        guard exports.take() else {
            throw HTTPError(503, "\(exports.limit) exports are running already; try again when one has finished",
                            headers: ["Retry-After": "10"])
        }
        let slots = exports
        return HTTPResponse(status: 200, headers: headers, body: .stream({ writer in
            defer { slots.give() }
            try writer.write(Self.csvHeader)
            try store.export(query) { rows in
                var chunk = ""
                for line in rows {
                    chunk += CSVWriter.record([line.at, line.level.rawValue, line.service, line.message, line.requestID, line.userID,
                                               line.tenant, line.jobID.map(String.init), line.stack,
                                               line.context.map { payloads.redacted(text: $0).serialized() }])
                }
                try writer.write(chunk)
            }
        }))
    }

    // MARK: API

    func apiSearch(_ request: Request) throws -> HTTPResponse {
        let query = try query(request)
        let lines: [LogEntry]
        do {
            lines = try logs(request).search(query)
        } catch let error as LogStore.SearchProblem {
            throw HTTPError(Self.explain(error).0, Self.explain(error).1)
        }
        let optional: (String?) -> JSONValue = { $0.map(JSONValue.string) ?? .null }
        let next: JSONValue = lines.count == query.limit ? (lines.last.map { .string($0.at + "~" + String($0.id)) } ?? .null) : .null
        return .json(["lines": .array(lines.map { line in
            ["id": .int(line.id), "timestamp": .string(line.at), "level": .string(line.level.rawValue), "service": .string(line.service),
             "message": .string(line.message), "request_id": optional(line.requestID), "user_id": optional(line.userID),
             "tenant": optional(line.tenant), "job_id": line.jobID.map { .int($0) } ?? .null, "stack": optional(line.stack),
             "context": line.context.map { payloads.redacted(text: $0) } ?? .null]
        }), "next_before": next])
    }

    /// POST /api/v1/logs: newline-delimited JSON, gzip allowed. 200 with the count kept and
    /// the refused lines by number (a shipper must not resend the good ones); 400 when not
    /// one line could be kept.
    func ingest(_ request: Request) throws -> HTTPResponse {
        let principal = try request.signedIn()
        var body = request.http.body
        switch request.headers["Content-Encoding"]?.lowercasedASCII().trimmingOWS() ?? "identity" {
        case "identity", "": break
        case "gzip", "x-gzip":
            do {
                body = try Gzip.decompress(body, limit: maxIngestBytes)
            } catch .tooLarge(let limit) {
                throw HTTPError(413, "the decompressed body is larger than \(limit) bytes (--max-ingest-bytes): send smaller batches")
            } catch {
                throw HTTPError.badRequest("Content-Encoding says gzip, but: \(error)")
            }
        case let other:
            throw HTTPError(415, "Content-Encoding '\(other)' is not supported: send gzip or no encoding")
        }
        guard body.count <= maxIngestBytes else { throw HTTPError(413, "the body is larger than \(maxIngestBytes) bytes (--max-ingest-bytes)") }
        let report = try ingester.ingest(body: body, tenant: principal.tenant, now: now())
        guard report.accepted > 0 || report.rejected > 0 else { throw HTTPError.badRequest("no log lines in the body (one JSON object per line)") }
        let answer: JSONValue = [
            "accepted": .int(report.accepted), "rejected": .int(report.rejected),
            "errors": .array(report.errors.map { ["line": .int($0.line), "error": .string($0.reason)] }),
        ]
        return .json(answer, status: report.accepted == 0 ? 400 : 200)
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let found = firstIndex(of: target) else { return self }
        return String(self[..<found]) + replacement + String(self[self.index(after: found)...])
    }
}

/// A count of running exports with a limit (the size of the export pool).
final class ExportSlots: Sendable {
    let limit: Int
    private let running = Mutex<Int>(0)

    init(limit: Int) { self.limit = limit }

    func take() -> Bool {
        running.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func give() { running.withLock { $0 -= 1 } }
}
