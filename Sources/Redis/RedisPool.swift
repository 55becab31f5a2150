import Dispatch
import Synchronization

/// A bounded pool of Redis connections, made on demand; broken ones are dropped and the
/// next call connects again (so a restarted Redis is picked up without a restart here).
public final class RedisPool: Sendable {
    private let url: RedisURL
    private let size: Int
    private let timeout: Double
    private let permits: DispatchSemaphore
    private let idle = Mutex<[RedisConnection]>([])

    public init(url: RedisURL, size: Int = 10, timeout: Double = 2) {
        self.url = url
        self.size = max(1, size)
        self.timeout = timeout
        permits = DispatchSemaphore(value: max(1, size))
    }

    public func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        guard permits.wait(timeout: .now() + timeout) == .success else { throw RedisError(.poolTimeout) }
        defer { permits.signal() }
        let connection = try idle.withLock({ $0.popLast() }) ?? RedisConnection(url, timeout: timeout)
        defer {
            if connection.isUsable { idle.withLock { $0.append(connection) } }
        }
        return try body(connection)
    }

    public func command(_ arguments: [String]) throws -> RedisReply {
        try withConnection { try $0.command(arguments) }
    }
}
