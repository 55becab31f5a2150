import Foundation
import Postgres
import Testing
import Web
@testable import Lookout

/// The chunk index (migration 0007) may admit chunks without a match, never miss one: when
/// PostgreSQL's ILIKE or `~*` finds a term in a message, the message's trigrams hold all of
/// the term's. And Swift's trigrams of a message are the SQL function's.
@Suite("Trigrams of the chunk index", .serialized)
struct LogTrigramTests {
    static let hostile = [
        "", "a", "ab", "abc", "ABC", "Payment declined: card_expired", "KELVIN \u{212A}elvin OK", "\u{0130}stanbul İSTANBUL",
        "café CAFÉ naïve", "emoji 🚀 between AB🚀CD", "tab\tand\nnewline\r\n", "quote ' \" \\ backslash", "ünïcödé ÜNÏCÖDÉ",
        "\u{212A}", "x\u{0130}", "日本語のログ message 42", "   spaces   ", "%_%", "ŉ ǰ ΐ ﬀ ß SS ẞ",
    ]

    @Test func swiftAndSQLAgree() throws {
        let t = try TestStores()
        for message in Self.hostile {
            var collector = LogTrigrams.Collector()
            collector.add(message: message)
            let swift = collector.finish()
            let sql = try t.query("SELECT (SELECT array_agg(c ORDER BY c) FROM unnest(log_trigrams($1)) c)::text AS t", [message]).string(0, "t") ?? "{}"
            #expect(swift == sql, "\(message)")
        }
        // A chunk is the union of its messages, with a break between them.
        var collector = LogTrigrams.Collector()
        for message in Self.hostile { collector.add(message: message) }
        let swift = collector.finish()
        let sql = try t.query("SELECT (SELECT array_agg(c ORDER BY c) FROM unnest(log_trigrams(array_to_string($1::text[], U&'\\0080'))) c)::text AS t",
                              [LogStore.arrayLiteral(Self.hostile)]).string(0, "t")
        #expect(swift == sql)
        // And the collector starts afresh after each chunk.
        collector.add(message: "abc")
        #expect(collector.finish() == "{\(0x61 << 14 | 0x62 << 7 | 0x63)}")
    }

    /// Every pair of message and term PostgreSQL matches, including case changes of every
    /// kind and non-ASCII letters, has the term's trigrams in the message's.
    @Test func noMatchIsMissed() throws {
        let t = try TestStores()
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("aAbBkK iIıİ\u{212A}éÉ-:._ßẞ🚀0") + ["ab", "Ab", "kelvin", "ISTANBUL"].flatMap { Array($0) }
        var messages = Self.hostile
        for _ in 0..<300 { messages.append(String((0..<Int.random(in: 3...14, using: &random)).map { _ in alphabet.randomElement(using: &random)! })) }
        var terms: [String] = []
        for message in messages {
            let characters = Array(message)
            guard characters.count >= 3 else { continue }
            let start = Int.random(in: 0..<(characters.count - 2), using: &random)
            let end = Int.random(in: (start + 3)...characters.count, using: &random)
            let piece = String(characters[start..<end])
            terms += [piece, piece.uppercased(), piece.lowercased()]
        }
        let rows = try t.query("""
            SELECT m, q, m ILIKE '%' || replace(replace(replace(q, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS ilike,
                   m ~* regexp_replace(q, '([.*+?^${}()|\\[\\]\\\\])', '\\\\\\1', 'g') AS regex
            FROM unnest($1::text[]) m, unnest($2::text[]) q
            WHERE m ILIKE '%' || replace(replace(replace(q, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
               OR m ~* regexp_replace(q, '([.*+?^${}()|\\[\\]\\\\])', '\\\\\\1', 'g')
            """, [LogStore.arrayLiteral(messages), LogStore.arrayLiteral(terms)])
        #expect(rows.rows.count > 500)
        for row in rows.rows.indices {
            let message = try rows.string(row, "m") ?? "", term = try rows.string(row, "q") ?? ""
            var collector = LogTrigrams.Collector()
            collector.add(message: message)
            let held = Set(collector.finish().dropFirst().dropLast().split(separator: ",").compactMap { Int32($0) })
            if try rows.bool(row, "ilike") == true {
                #expect(Set(LogTrigrams.of(term: term)).isSubset(of: held), "ILIKE: '\(term)' in '\(message)'")
            }
            guard try rows.bool(row, "regex") == true else { continue }
            let escaped = term.unicodeScalars.map { ".*+?^${}()|[]\\".unicodeScalars.contains($0) ? "\\" + String($0) : String($0) }.joined()
            let fromRegex = try #require(LogTrigrams.of(regex: escaped))
            #expect(Set(fromRegex).isSubset(of: held), "regex: '\(escaped)' in '\(message)'")
        }
    }

    /// Lines stored before migration 0007 are put in chunks by it (128 by id within each
    /// day and tenant), and found through them.
    @Test func theMigrationChunksTheLinesStoredBefore() throws {
        let t = try TestStores(migrate: false)
        try t.database.withConnection { try Migrator(migrations: Migrator.bundled().filter { $0.version <= 6 }).migrate($0) }
        try t.query("SELECT ensure_log_partition((now() AT TIME ZONE 'UTC')::date - d) FROM generate_series(0, 1) d")
        try t.query("""
            INSERT INTO log_lines (at, level, service, message, tenant)
            SELECT now() - (i || ' min')::interval, 'info', 'api', CASE WHEN i = 1234 THEN 'the Needle line' ELSE 'hay ' || i END,
                   CASE WHEN i % 3 = 0 THEN 'acme' END
            FROM generate_series(1, 2000) i
            """)
        try t.database.withConnection { try Migrator().migrate($0) }
        #expect(try t.query("SELECT count(*) AS n FROM log_lines WHERE chunk IS NULL").int(0, "n") == 0)
        let expected = try t.query("""
            SELECT sum(ceil(n / 128.0))::int AS n FROM (SELECT count(*) AS n FROM log_lines GROUP BY (at AT TIME ZONE 'UTC')::date, tenant) g
            """).int(0, "n")
        #expect(try t.query("SELECT count(*) AS n FROM log_chunks").int(0, "n") == expected)
        // Every chunk holds the trigrams of each of its lines, and only its own lines.
        #expect(try t.query("""
            SELECT count(*) AS n FROM log_lines l JOIN log_chunks c ON c.id = l.chunk
            WHERE NOT c.trigrams @> log_trigrams(l.message) OR c.tenant IS DISTINCT FROM l.tenant OR l.at NOT BETWEEN c.first_at AND c.last_at
            """).int(0, "n") == 0)
        var store = LogStore(database: t.database)
        store.searchWindow = 10
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        let found = try store.search(LogQuery(Parameters([("q", "NEEDLE"), ("range", "7d")]), now: now, retentionDays: 90))
        #expect(found.map(\.message) == ["the Needle line"])
    }

    /// Random regexes of the characters that make ARE syntax, against random messages:
    /// wherever PostgreSQL's `~*` matches, the message holds every trigram required.
    @Test func noRegexMatchIsMissed() throws {
        let t = try TestStores()
        var random = SystemRandomNumberGenerator()
        let pieces = ["a", "b", "c", "k", "K", " ", "-", "[", "]", "\\", "{", "}", "|", "(", ")", "*", "+", "?", ".", "^", "$", "1", "2", ",",
                      "abc", "ab", "bca", "?:", "?=", "?!", "[:alpha:]", "\\d", "\\]", "\\[", "\\{"]
        let patterns = (0..<2_000).map { _ in (0..<Int.random(in: 2...9, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() }
        let words = ["abc", "ab", "bca", "cab", "a", "b", "c", "k", "K", " ", "-", "{", "}", "[", "]", "(", ")", "|", "*", ".", "1", "2", ","]
        let messages = (0..<600).map { _ in (0..<Int.random(in: 1...7, using: &random)).map { _ in words.randomElement(using: &random)! }.joined() }
            + ["abc", "abcabc", "a b c", "[abc]", "{}", "ab{}xyz", "wxyz}", "]error", "[error]", "kkk", "abcd{"]
        try t.database.withConnection { connection in
            try connection.query("""
                CREATE FUNCTION pg_temp.compiles(p text) RETURNS boolean LANGUAGE plpgsql AS $$
                BEGIN PERFORM '' ~* p; RETURN true; EXCEPTION WHEN invalid_regular_expression THEN RETURN false; END $$
                """)
            let valid = try connection.query("SELECT p FROM unnest($1::text[]) p WHERE pg_temp.compiles(p)", [LogStore.arrayLiteral(patterns)]).rows.compactMap { $0[0] }
            #expect(valid.count > 300)
            let rows = try connection.query("SELECT m, p FROM unnest($1::text[]) m, unnest($2::text[]) p WHERE m ~* p",
                                            [LogStore.arrayLiteral(messages), LogStore.arrayLiteral(valid)])
            #expect(rows.rows.count > 1_000)
            var checked = 0
            for row in rows.rows {
                let message = row[0] ?? "", pattern = row[1] ?? ""
                guard let required = LogTrigrams.of(regex: pattern) else { continue }
                var collector = LogTrigrams.Collector()
                collector.add(message: message)
                let held = Set(collector.finish().dropFirst().dropLast().split(separator: ",").compactMap { Int32($0) })
                #expect(Set(required).isSubset(of: held), "regex '\(pattern)' matches '\(message)'")
                if !required.isEmpty { checked += 1 }
            }
            #expect(checked > 100)
        }
    }

    @Test(arguments: [
        ("payment declined", ["payment declined"]),
        ("order [0-9]+: card", ["order ", ": card"]),
        ("colou?r", ["colo", "r"]),
        ("ab*c", ["a", "c"]),
        ("ab+c", ["ab", "c"]),
        ("a{2,3}bc", ["bc"]),
        ("^error: (db|cache) down$", ["error: ", " down"]),
        ("\\.com\\b", [".com"]),
        ("req-[a-f0-9]{6}", ["req-"]),
        ("x[]a]y", ["x", "y"]),
        ("x[[:alpha:]]y", ["x", "y"]),
        ("lazy.*?end", ["lazy", "end"]),
        ("[\\]abc]x", ["x"]),              // in ARE a backslash escapes inside brackets
        ("[\\[\\]]error", ["error"]),
    ] as [(String, [String])])
    func regexRunsAreWhatEveryMatchHolds(pattern: String, runs: [String]) {
        #expect(LogTrigrams.requiredRuns(pattern) == runs)
    }

    @Test(arguments: ["error|warning", "(?i)abc", "***=abc", "\\x41bc", "\\u00e9t\\u00e9", "(a)\\1", "[unclosed", "(unclosed",
                      "abcd{|wxyz}", "ab{[}]xyz"])
    func unsureRegexesRequireNothing(pattern: String) {
        #expect(LogTrigrams.of(regex: pattern) == nil)
    }
}
