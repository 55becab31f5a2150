import Net
import Synchronization

/// Open connections by descriptor, with the deadlines the sweeper enforces.
final class ConnectionTable: Sendable {
    private let connections = Mutex<[Int32: Connection]>([:])

    var count: Int { connections.withLock { $0.count } }

    func insert(_ connection: Connection) {
        connections.withLock { $0[connection.socket.fd] = connection }
    }

    /// Marks the connection busy for the worker that got its event.
    func claim(_ fd: Int32) -> Connection? {
        connections.withLock { table in
            guard let connection = table[fd] else { return nil }
            connection.busy = true
            return connection
        }
    }

    /// Hands the connection back to the poller with a new deadline.
    func release(_ connection: Connection, deadline: UInt64) {
        connections.withLock { _ in
            connection.deadline = deadline
            connection.busy = false
        }
    }

    /// Forgets the connection, then closes it: the descriptor cannot be reused while the
    /// sweeper could still see it.
    func remove(_ connection: Connection) {
        connections.withLock { table in
            if table[connection.socket.fd] === connection { table[connection.socket.fd] = nil }
        }
        connection.socket.close()
    }

    /// Calls `body` under the lock for every connection no worker holds.
    func forEachIdle(_ body: (Connection) -> Void) {
        connections.withLock { table in
            for connection in table.values where !connection.busy { body(connection) }
        }
    }
}
