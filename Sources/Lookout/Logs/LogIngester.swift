import Web

/// Takes lines of newline-delimited JSON (or one JSON array of objects, as Fluent Bit's
/// `format json` sends), keeps the good ones in batches, and reports the bad ones by line
/// number: a malformed line never costs the good lines around it.
public struct LogIngester: Sendable {
    public let store: LogStore
    public var retentionDays: Int
    /// Lines stored per COPY.
    public var batchSize = 5000

    public init(store: LogStore, retentionDays: Int) {
        self.store = store
        self.retentionDays = retentionDays
    }

    public struct Report: Sendable {
        public var accepted = 0
        public var rejected = 0
        /// The first `maxErrors` refusals: (line number from 1, reason).
        public var errors: [(line: Int, reason: String)] = []
        static let maxErrors = 100

        mutating func refuse(_ line: Int, _ reason: String) {
            rejected += 1
            if errors.count < Self.maxErrors { errors.append((line, reason)) }
        }
    }

    /// A whole request body. `tenant` is the ingest token's tenant, forced on every line;
    /// `firstLine` numbers the body's first line (a file read in pieces).
    public func ingest(body: [UInt8], tenant: String?, now: Int64, firstLine: Int = 1) throws -> Report {
        var parser = LogLineParser(retentionDays: retentionDays)
        parser.forcedTenant = tenant
        var report = Report()
        var batch: [LogRecord] = []
        batch.reserveCapacity(min(batchSize, 1024))
        func take(_ number: Int, _ parse: () throws(LogLineParser.Refusal) -> LogRecord) throws {
            do {
                batch.append(try parse())
            } catch {
                report.refuse(number, error.reason)
            }
            if batch.count >= batchSize {
                report.accepted += try store.insert(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "[") {
            let elements: [JSONValue]
            do {
                guard let text = String(validating: body, as: UTF8.self) else { throw HTTPError.badRequest("the body is not UTF-8") }
                guard case .array(let items) = try JSONParser.parse(text) else { throw HTTPError.badRequest("expected a JSON array") }
                elements = items
            } catch let error as JSONParser.ParseError {
                throw HTTPError.badRequest("the body starts with '[' but is not a JSON array: \(error)")
            }
            for (index, element) in elements.enumerated() {
                try take(index + 1) { () throws(LogLineParser.Refusal) in try parser.parse(element, now: now) }
            }
        } else {
            var number = firstLine - 1
            var start = body.startIndex
            while start < body.endIndex {
                let end = body[start...].firstIndex(of: 0x0A) ?? body.endIndex
                number += 1
                var line = body[start..<end]
                if line.last == 0x0D { line = line.dropLast() }
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                try take(number) { () throws(LogLineParser.Refusal) in try parser.parse(bytes: line, now: now) }
            }
        }
        if !batch.isEmpty { report.accepted += try store.insert(batch) }
        return report
    }
}
