import Dispatch
import Net
import Postgres
import Redis
import Synchronization
import Web

/// Checks the services Lookout depends on and reports in the shape of seed 003's /health.
public final class HealthService: Sendable {
    public struct Check: Sendable {
        public let name: String
        public let healthy: Bool
        public let responseTimeMilliseconds: Double
        /// A short, safe reason when unhealthy (the error's description, never a server message).
        public let error: String?
    }

    let database: PostgresPool
    let redis: RedisPool
    let startedAt: UInt64

    init(database: PostgresPool, redis: RedisPool) {
        self.database = database
        self.redis = redis
        startedAt = MonotonicClock.now()
    }

    public var uptimeSeconds: Int { Int((MonotonicClock.now() - startedAt) / 1_000_000_000) }

    /// Runs the database and Redis checks at once, so a slow one does not add to the other.
    public func checkAll() -> [Check] {
        let results = Mutex<[Int: Check]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let check = index == 0 ? checkDatabase() : checkRedis()
            results.withLock { $0[index] = check }
        }
        return results.withLock { [$0[0]!, $0[1]!] }
    }

    public func checkDatabase() -> Check {
        timed("database") { _ = try database.withConnection { try $0.query("SELECT 1") } }
    }

    public func checkRedis() -> Check {
        timed("redis") {
            let reply = try redis.command(["PING"])
            guard reply == .status("PONG") else { throw RedisError(.protocolError, "PING did not answer PONG") }
        }
    }

    private func timed(_ name: String, _ body: () throws -> Void) -> Check {
        let start = MonotonicClock.now()
        var failure: String?
        do { try body() } catch { failure = String(describing: error) }
        let elapsed = Double(MonotonicClock.now() - start) / 1e6
        return Check(name: name, healthy: failure == nil, responseTimeMilliseconds: (elapsed * 100).rounded() / 100, error: failure)
    }

    /// Workers whose heartbeat (`worker:{id}`, 30 s TTL, docs/queue-protocol.md) is alive;
    /// nil when Redis cannot be asked.
    func liveWorkers() -> [String]? {
        var cursor = "0"
        var names: [String] = []
        repeat {
            guard case .array(let parts)? = try? redis.command(["SCAN", cursor, "MATCH", "worker:*", "COUNT", "1000"]),
                  parts.count == 2, let next = parts[0].string, case .array(let keys) = parts[1] else { return nil }
            names += keys.compactMap { $0.string.map { String($0.dropFirst("worker:".count)) } }
            cursor = next
        } while cursor != "0" && names.count < 100_000
        return names.sorted()
    }

    /// Redis INFO fields as numbers ("used_memory" -> 1234).
    func redisInfo() throws -> [String: Double] {
        guard let text = try redis.command(["INFO"]).string else { throw RedisError(.protocolError, "INFO") }
        var fields: [String: Double] = [:]
        for line in text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
        }
        return fields
    }
}
