import Postgres
import Redis

/// The one-shot commands: migrate, reconcile, and the check `serve` makes before starting.
public enum Maintenance {
    @discardableResult
    public static func migrate(_ settings: DatabaseSettings, progress: (Migration) -> Void = { _ in }) throws -> [Migration] {
        // Migrations may take longer than a page query: no statement timeout here.
        let connection = try PostgresConnection(url: settings.databaseURL, statementTimeout: 0, applicationName: "lookout migrate")
        return try Migrator().migrate(connection, progress: progress)
    }

    /// A one-line reason `serve` must not start, or nil. An unreachable database is not one:
    /// the console starts and /health says what is wrong.
    public static func migrationProblem(_ settings: DatabaseSettings) -> String? {
        guard let connection = try? PostgresConnection(url: settings.databaseURL, connectTimeout: 3,
                                                       statementTimeout: settings.statementTimeoutMilliseconds) else { return nil }
        let migrator = Migrator()
        guard let current = try? migrator.currentVersion(connection) else { return nil }
        if current < migrator.latestVersion {
            return "the database is at migration \(current) of \(migrator.latestVersion): run `lookout migrate` first"
        }
        return nil
    }

    /// A hint for a console nobody can sign in to yet, or nil.
    public static func accessHint(_ settings: DatabaseSettings) -> String? {
        guard let connection = try? PostgresConnection(url: settings.databaseURL, connectTimeout: 3),
              let result = try? connection.query("SELECT count(*) AS n FROM users"), (try? result.int(0, "n")) == 0 else { return nil }
        return "no users yet: create the first admin with `lookout user add NAME --role admin`"
    }

    public static func reconcile(_ settings: DatabaseSettings) throws -> Reconciler.Report {
        let database = PostgresPool(url: settings.databaseURL, size: 2, statementTimeout: settings.statementTimeoutMilliseconds)
        let redis = RedisPool(url: settings.redisURL, size: 2)
        return try Reconciler(database: database, redis: redis, driftGraceSeconds: 0).runOnce()
    }
}
