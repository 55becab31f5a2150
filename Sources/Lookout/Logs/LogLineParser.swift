import Web

/// Turns one line of newline-delimited JSON (what Fluent Bit's and Vector's HTTP outputs
/// send, and what structured loggers write) into a `LogRecord`, or says what is wrong with
/// it. The usual field names are understood (seed 003's examples use `timestamp`, `level`,
/// `logger`, `event`, `request_id`); every other field is kept as the line's context.
struct LogLineParser {
    /// Lines older than this many days are refused: their partition would be dropped at once.
    var retentionDays = 90
    /// Lines stamped further ahead than this are refused (a clock gone wrong).
    var futureSkewSeconds: Int64 = 86_400
    /// Set for an ingest token bound to one tenant: every line is that tenant's.
    var forcedTenant: String?

    static let timestampKeys = ["timestamp", "time", "ts", "@timestamp", "date"]
    static let levelKeys = ["level", "severity", "levelname", "lvl"]
    static let messageKeys = ["message", "msg", "event", "log"]
    static let requestKeys = ["request_id", "requestId", "trace_id", "traceId", "req_id"]
    static let serviceKeys = ["service", "logger", "app", "service_name"]
    static let userKeys = ["user_id", "userId", "user"]
    static let tenantKeys = ["tenant", "tenant_id", "tenantId"]
    static let jobKeys = ["job_id", "jobId"]
    static let stackKeys = ["stack", "stack_trace", "stacktrace", "exception"]
    /// The columns a field can fill.
    enum Column: Int {
        case timestamp, level, message, request, service, user, tenant, job, stack
    }
    /// Each understood name and the column it fills.
    static let columns: [String: Column] = {
        var map: [String: Column] = [:]
        for (column, keys) in [(Column.timestamp, timestampKeys), (.level, levelKeys), (.message, messageKeys), (.request, requestKeys),
                               (.service, serviceKeys), (.user, userKeys), (.tenant, tenantKeys), (.job, jobKeys), (.stack, stackKeys)] {
            for key in keys { map[key] = column }
        }
        return map
    }()

    struct Refusal: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    func parse(_ line: String, now: Int64) throws(Refusal) -> LogRecord {
        try parse(bytes: Array(line.utf8)[...], now: now)
    }

    func parse(bytes line: ArraySlice<UInt8>, now: Int64) throws(Refusal) -> LogRecord {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes: line) } catch { throw Refusal("not valid JSON: \(error)") }
        return try parse(value, now: now)
    }

    func parse(_ value: JSONValue, now: Int64) throws(Refusal) -> LogRecord {
        guard case .object(let fields) = value else { throw Refusal("not a JSON object") }
        var record = LogRecord(microseconds: now, level: .info, service: "unknown", message: "")
        var filled: UInt16 = 0   // one bit per Column: the first field naming a column fills it
        var rest: [(String, JSONValue)] = []
        var message: String?
        for (key, field) in fields {
            guard let column = Self.columns[key], filled & (1 << column.rawValue) == 0 else {
                rest.append((key, field))
                continue
            }
            filled |= 1 << column.rawValue
            switch column {
            case .timestamp: record.microseconds = try Self.timestamp(field, key: key)
            case .level: record.level = try Self.level(field, key: key)
            case .message: message = Self.text(field)
            case .request: record.requestID = try Self.identifier(field, key: key)
            case .service: record.service = try Self.identifier(field, key: key) ?? "unknown"
            case .user: record.userID = try Self.identifier(field, key: key)
            case .tenant: record.tenant = try Self.identifier(field, key: key)
            case .job:
                switch field {
                case .int(let id) where id > 0: record.jobID = id
                case .string(let text) where Int(text).map({ $0 > 0 }) == true: record.jobID = Int(text)
                case .null: break
                default: throw Refusal("'\(key)' must be a positive whole number")
                }
            case .stack: record.stack = Self.text(field)
            }
        }
        // A nested {"error": {"stack": ...}} is common (pino, winston): take the stack out of it.
        if record.stack == nil, let index = rest.firstIndex(where: { $0.0 == "error" || $0.0 == "err" }),
           case .object(let error) = rest[index].1, let stack = error.first(where: { $0.0 == "stack" })?.1 {
            record.stack = Self.text(stack)
        }
        guard let message, !message.isEmpty else { throw Refusal("no message: give one of message, msg, event or log") }
        record.message = message
        if let forcedTenant { record.tenant = forcedTenant }
        if !rest.isEmpty { record.context = JSONValue.object(rest).serialized() }
        // PostgreSQL text cannot hold NUL, nor jsonb a "\u0000" (one would fail the whole COPY).
        if Self.holdsNUL(record.message) || record.stack.map(Self.holdsNUL) == true || rest.contains(where: { Self.holdsNUL($0.0) || Self.holdsNUL($0.1) }) {
            throw Refusal("contains a NUL character, which PostgreSQL text cannot hold")
        }
        guard record.microseconds >= now - Int64(retentionDays) * 86_400_000_000 else {
            throw Refusal("older than the \(retentionDays)-day retention")
        }
        guard record.microseconds <= now + futureSkewSeconds * 1_000_000 else { throw Refusal("timestamp is more than a day in the future") }
        return record
    }

    static func holdsNUL(_ text: String) -> Bool { text.utf8.contains(0) }

    static func holdsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return holdsNUL(text)
        case .array(let items): return items.contains(where: holdsNUL)
        case .object(let fields): return fields.contains { holdsNUL($0.0) || holdsNUL($0.1) }
        default: return false
        }
    }

    static func timestamp(_ value: JSONValue, key: String) throws(Refusal) -> Int64 {
        switch value {
        case .string(let text):
            if let micros = UTCTime.parse(text) { return micros }
            if let number = Double(text), let micros = UTCTime.fromEpoch(number) { return micros }
        case .int(let number):
            if let micros = UTCTime.fromEpoch(Double(number)) { return micros }
        case .double(let number):
            if let micros = UTCTime.fromEpoch(number) { return micros }
        default: break
        }
        throw Refusal("'\(key)' is not a timestamp (ISO 8601 like 2026-11-23T08:00:00Z, or epoch seconds/milliseconds)")
    }

    static func level(_ value: JSONValue, key: String) throws(Refusal) -> LogLevel {
        switch value {
        case .string(let text): if let level = LogLevel(text: text) { return level }
        case .int(let number): if let level = LogLevel(number: number) { return level }
        default: break
        }
        throw Refusal("'\(key)' is not a level (debug, info, warning, error, critical, or their usual spellings and numbers)")
    }

    /// Short identifiers (request, user, tenant, service): strings or numbers, at most 200 characters.
    static func identifier(_ value: JSONValue, key: String) throws(Refusal) -> String? {
        let text: String
        switch value {
        case .null: return nil
        case .string(let s): text = s
        case .int(let n): text = String(n)
        default: throw Refusal("'\(key)' must be a string")
        }
        guard !text.isEmpty else { return nil }
        guard text.utf8.count <= 200, !text.utf8.contains(where: { $0 < 0x20 }) else {
            throw Refusal("'\(key)' must be at most 200 characters with no control characters")
        }
        return text
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        default: return value.serialized()
        }
    }
}
