#if canImport(Glibc)
import Glibc
#endif
import Postgres

/// `lookout ingest FILE|-`: imports a JSON-lines file (or stdin) with the same rules as
/// POST /api/v1/logs, reading it in pieces of about 8 MiB so any size fits in memory, with a
/// progress line on stderr.
public struct LogImport {
    public static let usage = """
        Usage: lookout ingest FILE|- [OPTIONS]

        Imports newline-delimited JSON log lines (one object per line; see docs/logs.md for
        the field names understood) from FILE, or from stdin with -. Refused lines are listed
        with their numbers; the others are kept. Exit code 0 when every line was stored, 1
        when some were refused or the database failed, 2 for a usage mistake.

        Options:
        \(OptionValues.help(DatabaseSettings.specs.filter { $0.flag != "redis-url" }))

        """

    public struct Summary: Sendable {
        public var report = LogIngester.Report()
        public var lines = 0
        public var seconds = 0.0
    }

    let ingester: LogIngester
    let path: String

    public init(arguments: [String], environment: [String: String]) throws(SettingsError) {
        var flags: [String] = []
        var index = 0
        var positional: [String] = []
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--") {
                flags.append(argument)
                if !argument.contains("="), index + 1 < arguments.count { flags.append(arguments[index + 1]); index += 1 }
            } else {
                positional.append(argument)
            }
            index += 1
        }
        guard positional.count == 1 else {
            throw SettingsError(positional.isEmpty ? "name a file to import, or - for stdin" : "one file at a time (got \(positional.count))")
        }
        let options = try OptionValues.parse(flags, specs: DatabaseSettings.specs, environment: environment, command: "ingest")
        let settings = try DatabaseSettings(options)
        path = positional[0]
        let store = LogStore(database: PostgresPool(url: settings.databaseURL, size: 1, statementTimeout: 60_000))
        ingester = LogIngester(store: store, retentionDays: settings.logRetentionDays)
    }

    /// Runs the import; `progress` gets a line to show now and then (rewritten in place).
    public func run(progress: (String) -> Void) throws -> Summary {
        let file: UnsafeMutablePointer<FILE>
        if path == "-" {
            guard let input = fdopen(dup(STDIN_FILENO), "rb") else { throw SettingsError("cannot read stdin") }
            file = input
        } else {
            guard let opened = fopen(path, "rb") else {
                throw SettingsError("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            file = opened
        }
        defer { fclose(file) }
        var summary = Summary()
        let started = UTCTime.now()
        var lastShown = started
        var carry: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8 << 20)
        var nextLine = 1
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            let atEnd = count < chunk.count
            var piece = carry
            piece.append(contentsOf: chunk[0..<count])
            carry = []
            if !atEnd, let lastNewline = piece.lastIndex(of: 0x0A) {
                carry = Array(piece[(lastNewline + 1)...])
                piece.removeSubrange((lastNewline + 1)...)
            }
            if !piece.isEmpty {
                let report = try ingester.ingest(body: piece, tenant: nil, now: UTCTime.now(), firstLine: nextLine)
                nextLine += piece.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                if atEnd && piece.last != 0x0A { nextLine += 1 }   // a last line without its newline
                summary.report.accepted += report.accepted
                summary.report.rejected += report.rejected
                for error in report.errors where summary.report.errors.count < LogIngester.Report.maxErrors {
                    summary.report.errors.append(error)
                }
            }
            let now = UTCTime.now()
            summary.lines = nextLine - 1
            summary.seconds = Double(now - started) / 1e6
            if now - lastShown > 500_000 || atEnd {
                lastShown = now
                let rate = summary.seconds > 0 ? Int(Double(summary.report.accepted) / summary.seconds) : 0
                progress("\(summary.report.accepted) lines stored, \(summary.report.rejected) refused, \(rate) lines/s")
            }
            if atEnd { break }
        }
        if ferror(file) != 0 { throw SettingsError("reading \(path) failed: \(String(cString: strerror(errno)))") }
        return summary
    }
}
