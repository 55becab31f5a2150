import Redis

/// What the commands that only talk to the stores need (migrate, reconcile).
public struct DatabaseSettings: Sendable {
    public var databaseURL: String
    public var redisURL: RedisURL
    public var statementTimeoutMilliseconds: Int

    public static let specs: [OptionSpec] = ServeSettings.specs.filter { ["database-url", "redis-url", "statement-timeout"].contains($0.flag) }

    public init(databaseURL: String, redisURL: RedisURL, statementTimeoutMilliseconds: Int) {
        self.databaseURL = databaseURL
        self.redisURL = redisURL
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
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
    }
}
