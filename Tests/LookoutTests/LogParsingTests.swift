import Foundation
import Testing
@testable import Lookout

@Suite("Log lines: timestamps, field names, levels, CSV")
struct LogParsingTests {
    static let now = UTCTime.parse("2026-11-23T12:00:00Z")!

    @Test(arguments: [
        ("2026-11-23T08:00:00Z", "2026-11-23 08:00:00.000000+00"),
        ("2026-11-23T08:00:00.123456Z", "2026-11-23 08:00:00.123456+00"),
        ("2026-11-23 08:00:00.5+01:00", "2026-11-23 07:00:00.500000+00"),
        ("2026-11-23T08:00:00-0530", "2026-11-23 13:30:00.000000+00"),
        ("2026-11-23T08:00:00", "2026-11-23 08:00:00.000000+00"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29 23:59:59.999000+00"),
        ("1970-01-01T00:00:00Z", "1970-01-01 00:00:00.000000+00"),
    ])
    func isoTimestamps(_ text: String, _ stored: String) {
        #expect(UTCTime.parse(text).map { UTCTime.format(microseconds: $0) } == stored)
    }

    /// The stored form is written digit by digit: it must read back as the same instant,
    /// from the first day of year 1 to the last microsecond of year 9999.
    @Test func storedFormRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        let first = UTCTime.parse("0001-01-01T00:00:00Z")!, last = UTCTime.parse("9999-12-31T23:59:59.999999Z")!
        let samples = [first, last, 0, -1, UTCTime.parse("2024-02-29T23:59:59.999999Z")!] + (0..<2_000).map { _ in Int64.random(in: first...last, using: &generator) }
        for micros in samples {
            let text = UTCTime.format(microseconds: micros)
            #expect(text.utf8.count == 29 && UTCTime.parse(text) == micros, "\(micros) -> \(text)")
        }
        #expect(UTCTime.format(microseconds: -1) == "1969-12-31 23:59:59.999999+00")
    }

    @Test(arguments: ["2026-02-30T08:00:00Z", "2025-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23", "2026-11-23T08:00:00+", "yesterday",
                      "2026-11-23T08:00:00.Z", "2026-13-01T00:00:00Z", "2026-11-23T08:00:00Zjunk"])
    func badTimestamps(_ text: String) {
        #expect(UTCTime.parse(text) == nil)
    }

    @Test func epochNumbersBySize() {
        let micros = UTCTime.parse("2026-11-23T08:00:00.25Z")!
        #expect(UTCTime.fromEpoch(Double(micros) / 1e6) == micros)            // seconds (Fluent Bit's date)
        #expect(UTCTime.fromEpoch(Double(micros) / 1e3) == micros)            // milliseconds
        #expect(UTCTime.fromEpoch(Double(micros) * 1e3) == micros)            // nanoseconds
    }

    @Test func theUsualFieldNamesAreUnderstood() throws {
        let parser = LogLineParser()
        // Seed 003's example, as structlog writes it.
        let seed = try parser.parse(#"{"timestamp": "2026-11-23T11:00:00.000Z", "level": "INFO", "logger": "task_service", "event": "task_submitted", "task_id": "550e8400", "priority": 8, "request_id": "req-uuid"}"#, now: Self.now)
        #expect(seed.level == .info && seed.service == "task_service" && seed.message == "task_submitted" && seed.requestID == "req-uuid")
        #expect(seed.context == #"{"task_id":"550e8400","priority":8}"#)
        let pino = try parser.parse(#"{"time": 1795435200000, "level": 50, "msg": "boom", "requestId": "r1", "service": "api", "userId": 7, "err": {"type": "Error", "stack": "Error: boom\n    at x"}}"#, now: Self.now)
        #expect(pino.level == .error && pino.message == "boom" && pino.requestID == "r1" && pino.userID == "7" && pino.stack == "Error: boom\n    at x")
        let vector = try parser.parse(#"{"@timestamp": "2026-11-23T11:59:00Z", "severity": "warn", "message": "slow", "trace_id": "t9", "tenant": "acme", "job_id": "42"}"#, now: Self.now)
        #expect(vector.level == .warning && vector.requestID == "t9" && vector.tenant == "acme" && vector.jobID == 42)
        let fluent = try parser.parse(#"{"date": 1795435200.5, "log": "raw line from tail"}"#, now: Self.now)
        #expect(fluent.message == "raw line from tail" && fluent.level == .info && fluent.service == "unknown")
        #expect(UTCTime.format(microseconds: fluent.microseconds) == "2026-11-23 12:00:00.500000+00")
        // The first of two spellings wins; the second stays in the context.
        let twice = try parser.parse(#"{"message": "a", "msg": "b"}"#, now: Self.now)
        #expect(twice.message == "a" && twice.context == #"{"msg":"b"}"#)
        // A shipper's tenant is forced over what the line says.
        var bound = parser
        bound.forcedTenant = "acme"
        #expect(try bound.parse(#"{"message": "x", "tenant": "globex"}"#, now: Self.now).tenant == "acme")
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (#"{"level": "info"}"#, "no message"),
        (#"{"message": "x", "level": "loud"}"#, "'level' is not a level"),
        (#"{"message": "x", "timestamp": "yesterday"}"#, "'timestamp' is not a timestamp"),
        (#"{"message": "x", "timestamp": "2020-01-01T00:00:00Z"}"#, "older than the 90-day retention"),
        (#"{"message": "x", "timestamp": "2027-01-01T00:00:00Z"}"#, "more than a day in the future"),
        (#"{"message": "x\u0000y"}"#, "NUL"),
        (#"{"message": "x", "job_id": -3}"#, "'job_id' must be a positive whole number"),
        (#"{"message": "x", "request_id": {"a": 1}}"#, "'request_id' must be a string"),
    ])
    func badLinesSayWhy(_ line: String, _ reason: String) {
        #expect {
            _ = try LogLineParser().parse(line, now: Self.now)
        } throws: { error in
            (error as? LogLineParser.Refusal)?.reason.contains(reason) == true
        }
    }

    @Test func csvQuotesEverythingAndDisarmsFormulas() {
        #expect(CSVWriter.record(["plain", nil, "a,b", "say \"hi\"", "two\nlines"]) == "\"plain\",\"\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n")
        for formula in ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            #expect(CSVWriter.record([formula]).hasPrefix("\"'"), "\(formula)")
        }
        #expect(CSVWriter.record(["a=b"]) == "\"a=b\"\r\n")
    }
}
