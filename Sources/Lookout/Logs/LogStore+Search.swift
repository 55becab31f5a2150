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
    /// Case-insensitive substring of the message or the exact request ID someone pasted
    /// from a ticket (b-tree); or a case-insensitive regex.
    static func textCondition(_ query: LogQuery, _ parameters: inout [String?]) -> String? {
        guard let message = messageCondition(query, &parameters) else { return nil }
        return requestCondition(query, &parameters).map { "(\(message) OR \($0))" } ?? message
    }

    /// The term's condition on the message; nil without a term.
    static func messageCondition(_ query: LogQuery, _ parameters: inout [String?]) -> String? {
        guard let text = query.text else { return nil }
        parameters.append(query.regex ? text : "%" + likeEscaped(text) + "%")
        return query.regex ? "message ~* $\(parameters.count)" : "message ILIKE $\(parameters.count)"
    }

    /// The term as a pasted request ID; nil without a term or for a regex.
    static func requestCondition(_ query: LogQuery, _ parameters: inout [String?]) -> String? {
        guard let text = query.text, !query.regex else { return nil }
        parameters.append(text)
        return "request_id = $\(parameters.count)"
    }

    /// The trigrams a chunk must hold to have lines matching the term (migration 0007), as
    /// an array literal; nil when the term requires none (shorter than three ASCII
    /// characters, a regex without a certain literal): then the range is read line by line.
    static func requiredTrigrams(_ query: LogQuery) -> String? {
        guard let text = query.text, let trigrams = query.regex ? LogTrigrams.of(regex: text) : LogTrigrams.of(term: text),
              !trigrams.isEmpty else { return nil }
        return "{" + trigrams.map(String.init).joined(separator: ",") + "}"
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
    /// once. Only when the window holds fewer than a page of hits does the rest of the range
    /// go through the chunk index (`chunkSearch`), which is fast exactly then: the term is
    /// rare.
    public func search(_ query: LogQuery) throws -> [LogEntry] {
        if query.regex, let text = query.text { try checkRegex(text) }
        return try run { connection in
            guard query.text != nil else { return try Self.page(query, text: true, edge: query.before, on: connection) }
            let (hits, edge) = try Self.scanWindow(query, window: searchWindow, on: connection)
            guard hits.count < query.limit, let edge else { return hits }
            var rest = query
            rest.limit = query.limit - hits.count
            let below = (edge.at, edge.id)
            guard let trigrams = Self.requiredTrigrams(rest) else { return hits + (try Self.page(rest, text: true, edge: below, on: connection)) }
            return hits + (try Self.chunkSearch(rest, trigrams: trigrams, edge: below, firstRound: firstChunkRound, on: connection))
        }
    }

    /// The page of `query` below `edge` through the chunks whose trigrams hold the term's:
    /// the candidates, newest first, in rounds of 16 chunks (`firstChunkRound`), then as
    /// many as the hits so far say a page needs (`nextRound`), their lines tested with the
    /// term. Hits newer than the oldest chunk read so far are final (every chunk not read
    /// yet ends before it); once a page of them is final, done. Lines without a chunk, and
    /// lines whose request ID is the term, come from one more statement.
    static func chunkSearch(_ query: LogQuery, trigrams: String, edge: (at: String, id: Int), firstRound: Int,
                            on connection: PostgresConnection) throws -> [LogEntry] {
        // No sequential scans in this transaction. For the candidates, log_chunk_candidates
        // says so itself; the chunks' lines (`chunk = ANY(...)`) need it too: without it the
        // planner scanned whole partitions, and on the benchmark `campaign 42` went from p95
        // 150-190 ms to 596 ms, `zebra-quartz` from 57 to 322 ms (wrk, 4 connections).
        try connection.query("SELECT set_config('enable_seqscan', 'off', true)")
        defer { _ = try? connection.query("SELECT set_config('enable_seqscan', 'on', true)") }
        let (looseSQL, looseParameters) = looseStatement(query, edge: edge)
        var found = try decode(try connection.query(looseSQL, looseParameters))
        // Candidates are fetched up to 16,384 at a time (one statement: 20-30 ms for a day
        // of common trigrams), and read in rounds from there.
        var pending: ArraySlice<(id: Int, lastAt: String)> = [], fetched: (at: String, id: Int)?, exhausted = false
        var round = max(1, firstRound)
        var read = 0, hits = 0
        func keepPage() {
            found.sort { ($0.at, $0.id) > ($1.at, $1.id) }
            if found.count > query.limit { found.removeLast(found.count - query.limit) }
        }
        while true {
            if pending.count < round, !exhausted {
                let batch = 16_384
                let (chunkSQL, chunkParameters) = candidateStatement(query, trigrams: trigrams, edge: edge, after: fetched, limit: batch)
                let chunks = try connection.query(chunkSQL, chunkParameters)
                let more = try chunks.rows.indices.map { (id: try chunks.int($0, "id") ?? 0, lastAt: try chunks.string($0, "last_at_utc") ?? "") }
                pending += more
                exhausted = more.count < batch
                if let last = more.last { fetched = (last.lastAt, last.id) }
            }
            let taken = pending.prefix(round)
            pending = pending.dropFirst(taken.count)
            if let last = taken.last {
                let (sql, parameters) = chunkLinesStatement(query, chunks: taken.map(\.id), edge: edge)
                let lines = try decode(try connection.query(sql, parameters))
                found += lines
                read += taken.count
                hits += lines.count
                keepPage()
                // Chunks not read yet end at or before this one: hits newer than it are final.
                if found.count == query.limit, found[found.count - 1].at > last.lastAt { return found }
            }
            if pending.isEmpty && exhausted {
                keepPage()
                return found
            }
            round = nextRound(read: read, hits: hits, missing: query.limit - found.count + 1, last: round)
        }
    }

    /// How many chunks the next round reads: as many as the hits per chunk so far say the
    /// rest of the page needs, and a quarter more; at most 8 times the last round (none
    /// found yet: 8 times), at least the last round. A term with common trigrams and few
    /// matches ('campaign 42') read 1,168 chunks for a page in rounds of 16, 128 and 1,024;
    /// about 600 by this rule.
    static func nextRound(read: Int, hits: Int, missing: Int, last: Int) -> Int {
        let most = min(last * 8, 16_384)
        guard hits > 0 else { return most }
        let needed = (Double(missing) * Double(read) / Double(hits) * 1.25).rounded(.up)
        return max(last, min(most, Int(min(needed, Double(most)))))
    }

    /// Candidate chunks below `after` (by last line, then id), newest first, through
    /// `log_chunk_candidates` (migration 0008): the trigram index for tenant-bound users too.
    static func candidateStatement(_ query: LogQuery, trigrams: String, edge: (at: String, id: Int)?, after: (at: String, id: Int)?,
                                   limit: Int?) -> (sql: String, parameters: [String?]) {
        let parameters: [String?] = [trigrams, UTCTime.format(microseconds: query.from), UTCTime.format(microseconds: query.to),
                                     edge?.at ?? UTCTime.format(microseconds: query.to), after?.at, after.map { String($0.id) }, limit.map(String.init)]
        return ("""
            SELECT id, to_char(last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_at_utc
            FROM log_chunk_candidates($1::int[], $2::timestamptz, $3::timestamptz, $4::timestamptz, $5::timestamptz, $6::bigint, $7::int)
            ORDER BY last_at DESC, id DESC
            """, parameters)
    }

    /// The lines of `chunks` that match, below `edge`: the first `query.limit`, newest first.
    static func chunkLinesStatement(_ query: LogQuery, chunks: [Int], edge: (at: String, id: Int)) -> (sql: String, parameters: [String?]) {
        var (sql, parameters) = filter(query, text: false)
        below(edge, &sql, &parameters)
        let message = messageCondition(query, &parameters)!
        parameters.append("{" + chunks.map(String.init).joined(separator: ",") + "}")
        sql += " AND \(message) AND chunk = ANY($\(parameters.count)::bigint[])"
        parameters.append(String(query.limit))
        return ("SELECT \(columns) FROM log_lines WHERE \(sql) ORDER BY at DESC, id DESC LIMIT $\(parameters.count)", parameters)
    }

    /// What the chunks do not find: lines stored without a chunk that match, and lines in
    /// chunks whose request ID is the term while their message does not hold it (those
    /// whose message does are the chunks' to find). The first `query.limit` below `edge`.
    static func looseStatement(_ query: LogQuery, edge: (at: String, id: Int)?) -> (sql: String, parameters: [String?]) {
        var (sql, parameters) = filter(query, text: false)
        below(edge, &sql, &parameters)
        sql += " AND (\(looseCondition(query, &parameters)))"
        parameters.append(String(query.limit))
        return ("SELECT \(columns) FROM log_lines WHERE \(sql) ORDER BY at DESC, id DESC LIMIT $\(parameters.count)", parameters)
    }

    static func looseCondition(_ query: LogQuery, _ parameters: inout [String?]) -> String {
        let message = messageCondition(query, &parameters)!
        guard let request = requestCondition(query, &parameters) else { return "chunk IS NULL AND \(message)" }
        return "(chunk IS NULL AND (\(message) OR \(request))) OR (chunk IS NOT NULL AND \(request) AND NOT \(message))"
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
        try run(on: exportDatabase ?? database) { connection in
            try connection.transaction { tx in
                // As in chunkSearch: no sequential scans for the chunks and their lines.
                let trigrams = Self.requiredTrigrams(query)
                if trigrams != nil { try tx.query("SELECT set_config('enable_seqscan', 'off', true)") }
                let (sql, parameters) = Self.exportStatement(query, throughChunks: try trigrams.map { try Self.fewCandidates(query, trigrams: $0, on: tx) } ?? false)
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

    /// Whether fewer than a quarter of the range's chunks can hold the term. When more can
    /// ('campaign 42': nearly all), reading their lines and sorting them all before the first
    /// row (6.7 s for 7 days, and past the statement timeout for 90) loses to streaming the
    /// range newest first with the term as a filter, 2,000 hits a FETCH.
    static func fewCandidates(_ query: LogQuery, trigrams: String, on connection: PostgresConnection) throws -> Bool {
        let range = """
            last_at >= $1::timestamptz AND first_at >= $1::timestamptz - interval '1 day' AND first_at < $2::timestamptz
            """
        let bounds = [UTCTime.format(microseconds: query.from), UTCTime.format(microseconds: query.to)]
        let (sql, parameters) = candidateStatement(query, trigrams: trigrams, edge: nil, after: nil, limit: nil)
        let candidates = try connection.query("SELECT count(*) AS n FROM (\(sql)) c", parameters).int(0, "n") ?? 0
        // The chunks of the range are counted by a scan, which is what sequential scans off
        // (export) make slow: 480 ms against 37 ms for 7 days on the benchmark (psql \timing).
        try connection.query("SELECT set_config('enable_seqscan', 'on', true)")
        defer { _ = try? connection.query("SELECT set_config('enable_seqscan', 'off', true)") }
        let all = try connection.query("SELECT count(*) AS n FROM log_chunks WHERE \(range)", bounds).int(0, "n") ?? 0
        return candidates * 4 < all
    }

    /// Through chunks: the lines of the candidate chunks that match, and the loose ones
    /// (`looseStatement`), sorted together; else one filtered scan, newest first.
    static func exportStatement(_ query: LogQuery, throughChunks: Bool = false) -> (sql: String, parameters: [String?]) {
        guard throughChunks, let trigrams = requiredTrigrams(query) else {
            let (sql, parameters) = filter(query)
            return ("SELECT \(columns) FROM log_lines WHERE \(sql) ORDER BY at DESC, id DESC", parameters)
        }
        var (base, parameters) = filter(query, text: false)
        let message = messageCondition(query, &parameters)!
        let loose = looseCondition(query, &parameters)
        parameters.append(trigrams)
        return ("""
            SELECT \(columns) FROM log_lines WHERE \(base) AND \(message) AND chunk IN (
                SELECT id FROM log_chunk_candidates($\(parameters.count)::int[], $1::timestamptz, $2::timestamptz, $2::timestamptz, NULL, NULL, NULL))
            UNION ALL
            SELECT \(columns) FROM log_lines WHERE \(base) AND (\(loose))
            ORDER BY at_utc DESC, id DESC
            """, parameters)
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
