import Postgres
import Web

/// The searches of the logs page. Every one is bounded in time (the query's range, never
/// more than retention) and runs under the connection's statement timeout.
extension LogStore {
    /// What a search can fail with that the user can fix.
    public enum SearchProblem: Error, Sendable, Equatable {
        /// The regular expression does not compile; PostgreSQL's reason.
        case invalidRegex(String)
        /// The statement timeout stopped the search.
        case timedOut
    }

    /// The formatted time is named `at_utc`, not `at`: an ORDER BY names an output column
    /// before a table's, so `ORDER BY at` would sort by that text, which no index serves
    /// (every search read and sorted its whole range: 0.5 s for 24 h at 10 M lines).
    static let columns = """
        id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_utc, level, service, message,
        request_id, user_id, tenant, job_id, stack, context::text AS context
        """

    /// The WHERE clause and parameters of a search; the cursor is applied by the caller.
    /// Without `text`, the search term's condition is left out (the window scan applies it).
    static func filter(_ query: LogQuery, text: Bool = true) -> (sql: String, parameters: [String?]) {
        var conditions = ["at >= $1::timestamptz", "at < $2::timestamptz"]
        var parameters: [String?] = [UTCTime.format(microseconds: query.from), UTCTime.format(microseconds: query.to)]
        func add(_ condition: (Int) -> String, _ value: String) {
            parameters.append(value)
            conditions.append(condition(parameters.count))
        }
        if let levels = query.levels { add({ "level = ANY($\($0)::text[])" }, LogStore.arrayLiteral(levels.map(\.rawValue))) }
        if let service = query.service { add({ "service = $\($0)" }, service) }
        if let request = query.requestID { add({ "request_id = $\($0)" }, request) }
        if let job = query.jobID { add({ "job_id = $\($0)::bigint" }, String(job)) }
        if text, let condition = textCondition(query, &parameters) { conditions.append(condition) }
        return (conditions.joined(separator: " AND "), parameters)
    }

    /// The search term's condition, its values appended to `parameters`; nil without a term.
    /// Case-insensitive substring of the message (trigram index) or the exact request ID
    /// someone pasted from a ticket (b-tree); or a case-insensitive regex.
    static func textCondition(_ query: LogQuery, _ parameters: inout [String?]) -> String? {
        guard let text = query.text else { return nil }
        if query.regex {
            parameters.append(text)
            return "message ~* $\(parameters.count)"
        }
        parameters.append("%" + likeEscaped(text) + "%")
        parameters.append(text)
        return "(message ILIKE $\(parameters.count - 1) OR request_id = $\(parameters.count))"
    }

    /// Narrows `sql` to lines older than `edge` (a page cursor, or a scanned window's end).
    static func below(_ edge: (at: String, id: Int)?, _ sql: inout String, _ parameters: inout [String?]) {
        guard let edge else { return }
        parameters.append(edge.at)
        parameters.append(String(edge.id))
        sql += " AND (at, id) < ($\(parameters.count - 1)::timestamptz, $\(parameters.count)::bigint)"
    }

    /// `%`, `_` and `\` match themselves.
    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// One page, newest first: lines older than the query's cursor.
    ///
    /// A search term is looked for in two steps. First among the newest `searchWindow` (10,000) lines of
    /// the range, read in time order: a common term ("delivered") fills the page there at
    /// once, where the trigram index would fetch and sort every one of its 178,000 matches
    /// in a day (1.6 s at p95, measured). Only when the window holds fewer than a page of
    /// hits does the rest of the range go through the trigram index, which is fast exactly
    /// then: the term is rare.
    public func search(_ query: LogQuery) throws -> [LogEntry] {
        if query.regex, let text = query.text { try checkRegex(text) }
        return try run { connection in
            guard query.text != nil else { return try Self.page(query, text: true, edge: query.before, on: connection) }
            let (hits, edge) = try Self.scanWindow(query, window: searchWindow, on: connection)
            guard hits.count < query.limit, let edge else { return hits }
            var rest = query
            rest.limit = query.limit - hits.count
            return hits + (try Self.page(rest, text: true, edge: (edge.at, edge.id), on: connection))
        }
    }

    /// The page of `query` below `edge`, as one plain statement.
    static func page(_ query: LogQuery, text: Bool, edge: (at: String, id: Int)?, on connection: PostgresConnection) throws -> [LogEntry] {
        let (sql, parameters) = pageStatement(query, text: text, edge: edge)
        return try decode(try connection.query(sql, parameters))
    }

    static func pageStatement(_ query: LogQuery, text: Bool, edge: (at: String, id: Int)?) -> (sql: String, parameters: [String?]) {
        var (sql, parameters) = filter(query, text: text)
        below(edge, &sql, &parameters)
        parameters.append(String(query.limit))
        return ("SELECT \(columns) FROM log_lines WHERE \(sql) ORDER BY at DESC, id DESC LIMIT $\(parameters.count)", parameters)
    }

    /// The hits among the newest `window` lines of the range (below the cursor), and the
    /// oldest line of that window when it was full (the search goes on below it), else nil.
    static func scanWindow(_ query: LogQuery, window: Int, on connection: PostgresConnection) throws -> ([LogEntry], LogEntry?) {
        var (base, parameters) = filter(query, text: false)
        below(query.before, &base, &parameters)
        let textCondition = Self.textCondition(query, &parameters) ?? "true"
        parameters.append(String(query.limit))
        let rows = try connection.query("""
            WITH win AS MATERIALIZED (
                SELECT id, at, level, service, message, request_id, user_id, tenant, job_id, stack, context FROM log_lines
                WHERE \(base) ORDER BY at DESC, id DESC LIMIT \(window)
            )
            (SELECT false AS edge, \(columns) FROM win WHERE \(textCondition) ORDER BY at DESC, id DESC LIMIT $\(parameters.count))
            UNION ALL
            (SELECT true AS edge, \(columns) FROM win WHERE (SELECT count(*) FROM win) = \(window) ORDER BY at, id LIMIT 1)
            """, parameters)
        var hits: [LogEntry] = [], edge: LogEntry?
        let entries = try decode(rows)
        for (index, entry) in entries.enumerated() {
            if try rows.bool(index, "edge") == true { edge = entry } else { hits.append(entry) }
        }
        return (hits, edge)
    }

    /// A regex PostgreSQL cannot compile is the user's mistake: say what PostgreSQL said.
    public func checkRegex(_ pattern: String) throws {
        do {
            _ = try database.withConnection { try $0.query("SELECT '' ~* $1", [pattern]) }
        } catch let error as PostgresError where error.sqlState == "2201B" {
            throw SearchProblem.invalidRegex(error.serverMessage)
        }
    }

    /// Runs a read under the store's scope and the search timeout (SET LOCAL: for this
    /// transaction only), turning a statement timeout into `.timedOut`.
    func run<T>(on pool: PostgresPool? = nil, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try (pool ?? database).withConnection(scope: scope) { connection in
                try connection.transaction { tx in
                    try tx.query("SELECT set_config('statement_timeout', $1, true)", [String(searchTimeoutMilliseconds)])
                    return try body(tx)
                }
            }
        } catch let error as PostgresError where error.isTimeout {
            throw SearchProblem.timedOut
        }
    }

    /// One line by its name (time and id).
    public func line(at: String, id: Int) throws -> LogEntry? {
        try Self.decode(try run {
            try $0.query("SELECT \(Self.columns) FROM log_lines WHERE at = $1::timestamptz AND id = $2", [at, String(id)])
        }).first
    }

    /// The `count` lines before and after a line in the same service, in time order, the
    /// line itself included; looked for within a day either side.
    public func context(of line: LogEntry, count: Int = 20) throws -> [LogEntry] {
        let (sql, parameters) = Self.contextStatement(of: line, count: count)
        let rows = try run { try $0.query(sql, parameters) }
        return try Self.decode(rows).sorted { ($0.at, $0.id) < ($1.at, $1.id) }
    }

    static func contextStatement(of line: LogEntry, count: Int) -> (sql: String, parameters: [String?]) {
        ("""
         (SELECT \(columns) FROM log_lines
          WHERE service = $1 AND (at, id) < ($2::timestamptz, $3::bigint) AND at > $2::timestamptz - interval '1 day'
          ORDER BY at DESC, id DESC LIMIT $4::int)
         UNION ALL
         (SELECT \(columns) FROM log_lines
          WHERE service = $1 AND (at, id) >= ($2::timestamptz, $3::bigint) AND at < $2::timestamptz + interval '1 day'
          ORDER BY at, id LIMIT $4::int + 1)
         """, [line.service, line.at, String(line.id), String(count)])
    }

    /// Every matching line, newest first, `batch` at a time through a server-side cursor:
    /// memory stays flat however many lines match. `body` gets each batch. Call
    /// `checkRegex` first: a streamed answer can no longer become a 400.
    public func export(_ query: LogQuery, batch: Int = 2000, _ body: ([LogEntry]) throws -> Void) throws {
        let (sql, parameters) = Self.exportStatement(query)
        try run(on: exportDatabase ?? database) { connection in
            try connection.transaction { tx in
                try tx.query("DECLARE log_export NO SCROLL CURSOR FOR \(sql)", parameters)
                while true {
                    let rows = try Self.decode(try tx.query("FETCH \(batch) FROM log_export"))
                    if rows.isEmpty { break }
                    try body(rows)
                    if rows.count < batch { break }
                }
                try tx.query("CLOSE log_export")
            }
        }
    }

    static func exportStatement(_ query: LogQuery) -> (sql: String, parameters: [String?]) {
        let (sql, parameters) = filter(query)
        return ("SELECT \(columns) FROM log_lines WHERE \(sql) ORDER BY at DESC, id DESC", parameters)
    }

    static func decode(_ result: PostgresResult) throws -> [LogEntry] {
        try result.rows.indices.map { row in
            LogEntry(id: try result.int(row, "id") ?? 0, at: try result.string(row, "at_utc") ?? "",
                     level: LogLevel(rawValue: try result.string(row, "level") ?? "") ?? .info,
                     service: try result.string(row, "service") ?? "", message: try result.string(row, "message") ?? "",
                     requestID: try result.string(row, "request_id"), userID: try result.string(row, "user_id"),
                     tenant: try result.string(row, "tenant"), jobID: try result.int(row, "job_id"),
                     stack: try result.string(row, "stack"), context: try result.string(row, "context"))
        }
    }
}
