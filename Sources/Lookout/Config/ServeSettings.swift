import HTTP
import Net
import Redis

/// Everything `lookout serve` needs, validated.
public struct ServeSettings: Sendable {
    public var bind: String
    public var port: UInt16
    public var database: DatabaseSettings
    public var databaseURL: String { database.databaseURL }
    public var redisURL: RedisURL { database.redisURL }
    public var resources: String
    public var server: HTTPServerConfiguration
    public var statementTimeoutMilliseconds: Int { database.statementTimeoutMilliseconds }
    public var databasePoolSize: Int
    public var accessLog: Bool
    public var redactedFields: [String]
    public var access: AccessSettings
    public var logRetentionDays: Int { database.logRetentionDays }
    public var maxIngestBytes: Int
    public var selfLog: Bool
    public var logSearchTimeoutMilliseconds: Int

    public static let specs: [OptionSpec] = [
        OptionSpec("bind", env: "LOOKOUT_BIND", default: "127.0.0.1", value: "ADDR", help: "address to listen on (numeric IPv4/IPv6, or localhost)"),
        OptionSpec("port", env: "LOOKOUT_PORT", default: "8080", value: "N", help: "TCP port (0 picks a free one)"),
        OptionSpec("database-url", env: "LOOKOUT_DATABASE_URL", default: "postgresql://lookout@127.0.0.1:5432/lookout", value: "URL",
                   help: "PostgreSQL connection URI or key=value string"),
        OptionSpec("redis-url", env: "LOOKOUT_REDIS_URL", default: "redis://127.0.0.1:6379", value: "URL", help: "Redis URL redis://[:password@]host[:port][/db]"),
        OptionSpec("resources", env: "LOOKOUT_RESOURCES", default: "", value: "DIR", help: "folder holding Templates/ and Public/ (default: found from the working directory or the executable)"),
        OptionSpec("threads", env: "LOOKOUT_THREADS", default: "16", value: "N", help: "request threads (bounds concurrent handlers, not connections)"),
        OptionSpec("max-connections", env: "LOOKOUT_MAX_CONNECTIONS", default: "10000", value: "N", help: "open connections before new ones get 503"),
        OptionSpec("max-body-bytes", env: "LOOKOUT_MAX_BODY_BYTES", default: "16777216", value: "N", help: "largest request body (413 above)"),
        OptionSpec("max-header-bytes", env: "LOOKOUT_MAX_HEADER_BYTES", default: "32768", value: "N", help: "largest header section (431 above)"),
        OptionSpec("header-timeout", env: "LOOKOUT_HEADER_TIMEOUT", default: "10", value: "SECONDS", help: "time for a request head to arrive whole"),
        OptionSpec("idle-timeout", env: "LOOKOUT_IDLE_TIMEOUT", default: "60", value: "SECONDS", help: "idle keep-alive connections are closed after this"),
        OptionSpec("write-timeout", env: "LOOKOUT_WRITE_TIMEOUT", default: "30", value: "SECONDS", help: "give up on a client that stops reading"),
        OptionSpec("shutdown-grace", env: "LOOKOUT_SHUTDOWN_GRACE", default: "10", value: "SECONDS", help: "time in-flight requests get on SIGTERM"),
        OptionSpec("statement-timeout", env: "LOOKOUT_STATEMENT_TIMEOUT_MS", default: "5000", value: "MS", help: "PostgreSQL statement_timeout for every query"),
        OptionSpec("db-pool-size", env: "LOOKOUT_DB_POOL_SIZE", default: "10", value: "N", help: "PostgreSQL connections at most"),
        OptionSpec("access-log", env: "LOOKOUT_ACCESS_LOG", default: "on", value: "on|off", help: "one JSON line per request on stdout"),
        OptionSpec("redact-fields", env: "LOOKOUT_REDACT_FIELDS", default: "password,token,secret,api_key,apikey,authorization", value: "LIST",
                   help: "payload fields shown as [redacted] (comma-separated, matched case-insensitively within names)"),
        OptionSpec("session-idle", env: "LOOKOUT_SESSION_IDLE", default: "1800", value: "SECONDS", help: "a session unused this long is over"),
        OptionSpec("session-max", env: "LOOKOUT_SESSION_MAX", default: "43200", value: "SECONDS", help: "a session is over this long after sign-in, used or not"),
        OptionSpec("secure-cookies", env: "LOOKOUT_SECURE_COOKIES", default: "off", value: "on|off",
                   help: "mark cookies Secure: turn on when browsers reach Lookout over HTTPS (a TLS proxy in front)"),
        OptionSpec("private-probes", env: "LOOKOUT_PRIVATE_PROBES", default: "off", value: "on|off",
                   help: "require a session or token for /health and /api/v1/health/* too"),
        OptionSpec("log-retention-days", env: "LOOKOUT_LOG_RETENTION_DAYS", default: "90", value: "DAYS",
                   help: "log lines older than this are dropped (whole daily partitions) and refused at ingestion"),
        OptionSpec("max-ingest-bytes", env: "LOOKOUT_MAX_INGEST_BYTES", default: "67108864", value: "N",
                   help: "largest log batch after gzip decompression (413 above)"),
        OptionSpec("log-search-timeout", env: "LOOKOUT_LOG_SEARCH_TIMEOUT_MS", default: "10000", value: "MS",
                   help: "statement timeout of one log search or export batch; past it the page says to narrow the search"),
        OptionSpec("self-log", env: "LOOKOUT_SELF_LOG", default: "on", value: "on|off",
                   help: "store Lookout's own access log in its logs (service lookout), so the console can search itself"),
    ]

    public init(arguments: [String], environment: [String: String]) throws(SettingsError) {
        let options = try OptionValues.parse(arguments, specs: Self.specs, environment: environment, command: "serve")
        bind = options.string("bind")
        guard SocketAddress(host: bind, port: 0) != nil else {
            throw SettingsError("\(options.source("bind")): '\(bind)' is not a numeric IP address or localhost")
        }
        port = UInt16(try options.int("port", in: 0...65535))
        database = try DatabaseSettings(options)
        resources = try Resources.locate(explicit: options.string("resources"), source: options.source("resources"))
        databasePoolSize = try options.int("db-pool-size", in: 1...500)
        accessLog = try options.bool("access-log")
        redactedFields = options.string("redact-fields").split(separator: ",").map { $0.trimmingOWS() }.filter { !$0.isEmpty }
        maxIngestBytes = try options.int("max-ingest-bytes", in: 1024...1_073_741_824)
        selfLog = try options.bool("self-log")
        logSearchTimeoutMilliseconds = try options.int("log-search-timeout", in: 1...600_000)
        access = AccessSettings(idleSeconds: Int(try options.seconds("session-idle")), maxSeconds: Int(try options.seconds("session-max")),
                                secureCookies: try options.bool("secure-cookies"), privateProbes: try options.bool("private-probes"))
        let limits = HTTPParserLimits(maxRequestLineBytes: 8 * 1024,
                                      maxHeaderBytes: try options.int("max-header-bytes", in: 1024...1_048_576),
                                      maxHeaderCount: 100,
                                      maxBodyBytes: try options.int("max-body-bytes", in: 0...1_073_741_824))
        server = HTTPServerConfiguration(host: bind, port: port, limits: limits,
                                         workerThreads: try options.int("threads", in: 1...1024),
                                         maxConnections: try options.int("max-connections", in: 1...1_000_000),
                                         headerTimeout: try options.seconds("header-timeout"),
                                         idleTimeout: try options.seconds("idle-timeout"),
                                         writeTimeout: try options.seconds("write-timeout"),
                                         shutdownGrace: try options.seconds("shutdown-grace"))
    }

    static func looksLikeConninfo(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") || text.contains("=")
    }
}
