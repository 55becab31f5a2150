import Foundation
import Lookout
import Postgres
import Redis
import Testing

/// A throwaway PostgreSQL database, migrated, and a Redis database number flushed for it.
/// The real servers the test script started; never fakes.
final class TestStores: @unchecked Sendable {
    let databaseName: String
    let databaseURL: String
    let redisURLText: String
    let database: PostgresPool
    let redis: RedisPool
    private let adminURL: String

    init(migrate: Bool = true) throws {
        adminURL = try TestServices.databaseURL()
        databaseName = "lookout_t_\(UInt32.random(in: 0...UInt32.max))"
        let base = adminURL[..<adminURL.lastIndex(of: "/")!]
        databaseURL = base + "/" + databaseName
        let admin = try PostgresConnection(url: adminURL)
        try admin.query("CREATE DATABASE \(databaseName)")   // a name made here, not input
        database = PostgresPool(url: databaseURL, size: 8)
        let redisBase = try TestServices.redisURL()
        redisURLText = redisBase + "/" + String(Int.random(in: 1...15))
        redis = RedisPool(url: RedisURL(redisURLText)!, size: 8)
        _ = try redis.command(["FLUSHDB"])
        if migrate {
            try Maintenance.migrate(settings)
        }
    }

    var settings: DatabaseSettings {
        DatabaseSettings(databaseURL: databaseURL, redisURL: RedisURL(redisURLText)!, statementTimeoutMilliseconds: 5000)
    }

    var store: QueueStore { QueueStore(database: database) }
    var broker: QueueBroker { QueueBroker(redis: redis) }

    func service(redisDown: Bool = false) -> QueueService {
        let redisPool = redisDown ? RedisPool(url: RedisURL("redis://127.0.0.1:1")!, size: 1, timeout: 0.5) : redis
        return QueueService(store: store, broker: QueueBroker(redis: redisPool),
                            reconciler: Reconciler(database: database, redis: redisPool, driftGraceSeconds: 0))
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresResult {
        try database.withConnection { try $0.query(sql, parameters) }
    }

    deinit {
        _ = try? redis.command(["FLUSHDB"])
        if let admin = try? PostgresConnection(url: adminURL) {
            _ = try? admin.query("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }
}
