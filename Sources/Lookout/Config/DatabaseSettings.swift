import Redis

/// What the commands that only talk to the stores need (migrate, reconcile).
public struct DatabaseSettings: Sendable {
    public var databaseURL: String
    public var redisURL: RedisURL
    public var statementTimeoutMilliseconds: Int
    public var logRetentionDays: Int

    public static let specs: [OptionSpec] = ServeSettings.specs.filter { ["database-url", "redis-url", "statement-timeout", "log-retention-days"].contains($0.flag) }

    public init(databaseURL: String, redisURL: RedisURL, statementTimeoutMilliseconds: Int, logRetentionDays: Int = 90) {
        self.databaseURL = databaseURL
        self.redisURL = redisURL
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.logRetentionDays = logRetentionDays
    }

    public init(arguments: [String], environment: [String: String], command: String) throws(SettingsError) {
        let options = try OptionValues.parse(arguments, specs: Self.specs, environment: environment, command: command)
        try self.init(options)
    }

    init(_ options: OptionValues) throws(SettingsError) {
        databaseURL = options.string("database-url")
        guard ServeSettings.looksLikeConninfo(databaseURL) else {
            throw SettingsError("\(options.source("database-url")): expected postgresql://... or key=value pairs")
        }
        guard let redis = RedisURL(options.string("redis-url")) else {
            throw SettingsError("\(options.source("redis-url")): expected redis://[:password@]host[:port][/db], got '\(options.string("redis-url"))'")
        }
        redisURL = redis
        statementTimeoutMilliseconds = try options.int("statement-timeout", in: 1...3_600_000)
        logRetentionDays = try options.int("log-retention-days", in: 1...3650)
    }
}
