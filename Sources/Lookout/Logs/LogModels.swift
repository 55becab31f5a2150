/// Log levels as stored; the page's four filters map onto them (Error covers critical).
public enum LogLevel: String, Sendable, CaseIterable {
    case debug, info, warning, error, critical

    /// The spellings log libraries use: names (any case) and numbers (pino's 10-60,
    /// syslog's 0-7).
    public init?(text: String) {
        switch text.lowercased() {
        case "debug", "trace", "verbose", "dbug": self = .debug
        case "info", "information", "informational", "notice", "inf": self = .info
        case "warn", "warning", "wrn": self = .warning
        case "error", "err", "eror": self = .error
        case "critical", "crit", "fatal", "emerg", "emergency", "alert", "panic": self = .critical
        default: return nil
        }
    }

    public init?(number: Int) {
        switch number {
        case 0...2: self = .critical            // syslog emerg, alert, crit
        case 3: self = .error
        case 4: self = .warning
        case 5, 6: self = .info                 // notice, info
        case 7: self = .debug
        case 10, 20: self = .debug              // pino trace, debug
        case 30: self = .info
        case 40: self = .warning
        case 50: self = .error
        case 60: self = .critical
        default: return nil
        }
    }

    /// The filter a user picks, and the stored levels it covers.
    public static let filters: [(name: String, label: String, levels: [LogLevel])] = [
        ("error", "Error", [.error, .critical]),
        ("warning", "Warning", [.warning]),
        ("info", "Info", [.info]),
        ("debug", "Debug", [.debug]),
    ]
}

/// One line ready to be stored: every field checked and normalized.
public struct LogRecord: Sendable, Equatable {
    /// Microseconds since 1970, UTC.
    public var microseconds: Int64
    public var level: LogLevel
    public var service: String
    public var message: String
    public var requestID: String?
    public var userID: String?
    public var tenant: String?
    public var jobID: Int?
    public var stack: String?
    /// The line's other fields, as a JSON object's text (nil when there are none).
    public var context: String?

    /// The UTC day, which names the partition: days since 1970.
    var day: Int64 { microseconds >= 0 ? microseconds / 86_400_000_000 : (microseconds + 1) / 86_400_000_000 - 1 }

    /// COPY's value for the timestamptz column.
    var timestampText: String { UTCTime.format(microseconds: microseconds) }
}

/// One stored line as the pages show it.
public struct LogEntry: Sendable {
    public let id: Int
    /// ISO 8601 with microseconds, exactly as stored: with `id`, the line's name.
    public let at: String
    public let level: LogLevel
    public let service: String
    public let message: String
    public let requestID: String?
    public let userID: String?
    public let tenant: String?
    public let jobID: Int?
    public let stack: String?
    public let context: String?
}
