/// A PostgreSQL failure. `description` names the kind and SQLSTATE only: the server's
/// message can quote data, so it is kept in `serverMessage` for logs, never for clients.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case connection = "connection failed"
        case query = "query failed"
        case poolTimeout = "no database connection free in time"
        case decoding = "unexpected result shape"
    }

    public let kind: Kind
    /// Five-character SQLSTATE (e.g. 57014 query_canceled, 42P01 undefined_table).
    public let sqlState: String?
    public let serverMessage: String

    public init(_ kind: Kind, sqlState: String? = nil, serverMessage: String = "") {
        self.kind = kind
        self.sqlState = sqlState
        self.serverMessage = serverMessage
    }

    /// The statement ran out of time (statement_timeout or a cancel).
    public var isTimeout: Bool { sqlState == "57014" }
    /// The connection is unusable (class 08) or the server is going away (57P01-57P03).
    public var isConnectionLoss: Bool {
        kind == .connection || (sqlState?.hasPrefix("08") ?? false) || ["57P01", "57P02", "57P03"].contains(sqlState ?? "")
    }

    public var description: String {
        "PostgreSQL \(kind.rawValue)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }
}
