#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Lookout
import Postgres
import Redis
import Synchronization
import Testing

/// A throwaway PostgreSQL database, migrated, and a Redis database number flushed for it.
/// The real servers the test script started; never fakes.
final class TestStores: @unchecked Sendable {
    let databaseName: String
    let databaseURL: String
    let redisURLText: String
    let database: PostgresPool
    let redis: RedisPool
    let redisDatabase: Int
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
        redisDatabase = RedisDatabases.take()
        redisURLText = redisBase + "/" + String(redisDatabase)
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
        RedisDatabases.give(redisDatabase)
        if let admin = try? PostgresConnection(url: adminURL) {
            _ = try? admin.query("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }
}

/// Redis database numbers for the stores alive at once: suites run in parallel, and two
/// stores sharing a number would flush each other's keys. 14 is RedisClientTests', 0 the
/// server's default.
enum RedisDatabases {
    private static let free = Mutex<Set<Int>>(Set(1...13).union([15]))

    static func take() -> Int {
        while true {
            if let number = free.withLock({ $0.popFirst() }) { return number }
            usleep(20_000)
        }
    }

    static func give(_ number: Int) {
        _ = free.withLock { $0.insert(number) }
    }
}
