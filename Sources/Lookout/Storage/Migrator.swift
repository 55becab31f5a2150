import Foundation
import Postgres

/// One versioned SQL file from Storage/Migrations, named NNNN_name.sql.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}

/// Applies migrations in order, each once, each in its own transaction, under an advisory
/// lock so that two instances starting together cannot race.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: the key of the advisory lock every Lookout process agrees on.
    static let lockKey = "7311420553920013"
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migrator.bundled()) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The version the database is at (0 when never migrated).
    public func currentVersion(_ connection: PostgresConnection) throws -> Int {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard try exists.bool(0, "present") == true else { return 0 }
        return try connection.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations").int(0, "v") ?? 0
    }

    /// Applies what is missing; returns the migrations applied now.
    @discardableResult
    public func migrate(_ connection: PostgresConnection, progress: (Migration) -> Void = { _ in }) throws -> [Migration] {
        try connection.query("SELECT pg_advisory_lock($1::bigint)", [Self.lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1::bigint)", [Self.lockKey]) }
        try connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        let done = Set(try connection.query("SELECT version FROM schema_migrations").rows.compactMap { $0[0].flatMap { Int($0) } })
        var applied: [Migration] = []
        for migration in migrations where !done.contains(migration.version) {
            progress(migration)
            try connection.transaction { tx in
                try tx.executeScript(StaticOrBundledSQL(bundled: migration.sql))
                try tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [String(migration.version), migration.name])
            }
            applied.append(migration)
        }
        return applied
    }

    /// The SQL files compiled into the executable (see Package.swift: embedInCode).
    public static func bundled() -> [Migration] {
        MigrationFiles.all.compactMap { file in
            let base = file.name.hasSuffix(".sql") ? String(file.name.dropLast(4)) : file.name
            let parts = base.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]) else { return nil }
            return Migration(version: version, name: String(parts[1]), sql: String(decoding: file.bytes, as: UTF8.self))
        }
    }
}
