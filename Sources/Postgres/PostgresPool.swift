import Dispatch
import Synchronization

/// A bounded pool of connections, made on demand. A connection found broken (the server
/// restarted) is dropped and the call is retried once on a fresh one.
public final class PostgresPool: Sendable {
    public struct Statistics: Sendable {
        public let inUse: Int
        public let idle: Int
        public let size: Int
    }

    private let url: String
    private let size: Int
    private let statementTimeout: Int
    private let connectTimeout: Int
    private let checkoutTimeout: Double
    private let permits: DispatchSemaphore
    private let state = Mutex<(idle: [PostgresConnection], inUse: Int)>(([], 0))

    public init(url: String, size: Int = 10, statementTimeout: Int = 5_000, connectTimeout: Int = 3, checkoutTimeout: Double = 5) {
        self.url = url
        self.size = max(1, size)
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
        self.checkoutTimeout = checkoutTimeout
        permits = DispatchSemaphore(value: max(1, size))
    }

    public var statistics: Statistics {
        state.withLock { Statistics(inUse: $0.inUse, idle: $0.idle.count, size: size) }
    }

    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard permits.wait(timeout: .now() + checkoutTimeout) == .success else { throw PostgresError(.poolTimeout) }
        defer { permits.signal() }
        state.withLock { $0.inUse += 1 }
        defer { state.withLock { $0.inUse -= 1 } }

        let (connection, reused) = try checkout()
        do {
            let value = try body(connection)
            checkin(connection)
            return value
        } catch let error as PostgresError where error.isConnectionLoss && reused {
            // An idle connection that died with its server: try once more on a new one.
            let fresh = try makeConnection()
            let value = try body(fresh)
            checkin(fresh)
            return value
        } catch {
            checkin(connection)
            throw error
        }
    }

    private func checkout() throws(PostgresError) -> (PostgresConnection, Bool) {
        if let idle = state.withLock({ $0.idle.popLast() }) { return (idle, true) }
        return (try makeConnection(), false)
    }

    private func makeConnection() throws(PostgresError) -> PostgresConnection {
        try PostgresConnection(url: url, connectTimeout: connectTimeout, statementTimeout: statementTimeout)
    }

    private func checkin(_ connection: PostgresConnection) {
        guard connection.isUsable else { return }
        state.withLock { $0.idle.append(connection) }
    }
}
