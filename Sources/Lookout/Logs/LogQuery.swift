import Web

/// A log search as the page's URL and the API's query string say it: every search is a
/// shareable link. Parsing checks every value and names the one that is wrong.
public struct LogQuery: Sendable {
    public enum Range: String, Sendable, CaseIterable {
        case hour = "1h", day = "24h", week = "7d", all, custom

        var label: String {
            switch self {
            case .hour: "Last hour"
            case .day: "Last 24 hours"
            case .week: "Last 7 days"
            case .all: "Everything kept"
            case .custom: "Custom range"
            }
        }
    }

    public var text: String?
    public var regex = false
    public var level: String?
    public var service: String?
    public var range: Range = .day
    /// Microseconds since 1970; the search covers [from, to).
    public var from: Int64 = 0
    public var to: Int64 = 0
    public var requestID: String?
    public var jobID: Int?
    /// Keyset cursor: the (at, id) of the last line of the previous page.
    public var before: (at: String, id: Int)?
    public var limit = 50

    /// `now` and `retentionDays` bound every search in time.
    public init(_ query: Parameters, now: Int64, retentionDays: Int) throws(HTTPError) {
        if let q = query["q"]?.trimmingOWS(), !q.isEmpty {
            guard q.utf8.count <= 1000 else { throw HTTPError.badRequest("'q' can be at most 1000 characters") }
            // /…/ is a regex, as in Loki and Kibana; so is the toggle.
            if q.count >= 2, q.hasPrefix("/"), q.hasSuffix("/") {
                text = String(q.dropFirst().dropLast())
                regex = true
            } else {
                text = q
                regex = query["regex"] == "on" || query["regex"] == "1" || query["regex"] == "true"
            }
        }
        if let level = query["level"], !level.isEmpty {
            guard LogLevel.filters.contains(where: { $0.name == level }) else {
                throw HTTPError.badRequest("'level' must be one of error, warning, info, debug")
            }
            self.level = level
        }
        service = query["service"].flatMap { $0.isEmpty ? nil : $0 }
        requestID = query["request"].flatMap { $0.isEmpty ? nil : $0 }
        jobID = try query.int("job", in: 1...Int.max)
        let earliest = now - Int64(retentionDays) * 86_400_000_000
        if let text = query["range"], !text.isEmpty {
            guard let range = Range(rawValue: text) else { throw HTTPError.badRequest("'range' must be one of 1h, 24h, 7d, all, custom") }
            self.range = range
        } else if requestID != nil || jobID != nil {
            range = .all   // a request or a job: all its lines, whenever they were
        }
        switch range {
        case .hour: (from, to) = (now - 3_600_000_000, now + 60_000_000)
        case .day: (from, to) = (now - 86_400_000_000, now + 60_000_000)
        case .week: (from, to) = (now - 7 * 86_400_000_000, now + 60_000_000)
        case .all: (from, to) = (earliest, now + 86_400_000_000)
        case .custom:
            from = try Self.time(query["from"], name: "from") ?? earliest
            to = try Self.time(query["to"], name: "to") ?? now + 86_400_000_000
            guard from < to else { throw HTTPError.badRequest("'from' must be before 'to'") }
        }
        from = max(from, earliest)
        if let cursor = query["before"], !cursor.isEmpty {
            let parts = cursor.split(separator: "~", maxSplits: 1)
            guard parts.count == 2, UTCTime.parse(String(parts[0])) != nil, let id = Int(parts[1]), id > 0 else {
                throw HTTPError.badRequest("'before' is not a page cursor (use the Older link)")
            }
            before = (String(parts[0]), id)
        }
        limit = try query.int("limit", in: 1...500) ?? 50
    }

    /// "2026-11-23T08:00" (from a datetime-local field, read as UTC) or full ISO 8601.
    static func time(_ text: String?, name: String) throws(HTTPError) -> Int64? {
        guard let text = text?.trimmingOWS(), !text.isEmpty else { return nil }
        let full = text.utf8.count == 16 ? text + ":00" : text
        guard let micros = UTCTime.parse(full) else {
            throw HTTPError.badRequest("'\(name)' must be a time like 2026-11-23T08:00 (UTC) or 2026-11-23T08:00:00Z")
        }
        return micros
    }

    /// The query string of this search (without the cursor), for links and the export.
    public var parameters: [(String, String)] {
        var pairs: [(String, String)] = []
        if let text { pairs.append(("q", regex ? "/" + text + "/" : text)) }
        if let level { pairs.append(("level", level)) }
        if let service { pairs.append(("service", service)) }
        if let requestID { pairs.append(("request", requestID)) }
        if let jobID { pairs.append(("job", String(jobID))) }
        pairs.append(("range", range.rawValue))
        if range == .custom {
            pairs.append(("from", UTCTime.isoSeconds(from)))
            pairs.append(("to", UTCTime.isoSeconds(to)))
        }
        return pairs
    }

    public var queryString: String {
        parameters.map { URLEncoding.percentEncode($0.0) + "=" + URLEncoding.percentEncode($0.1) }.joined(separator: "&")
    }

    var levels: [LogLevel]? { level.flatMap { name in LogLevel.filters.first { $0.name == name }?.levels } }
}
