import Postgres
import Redis
import Web

/// How store failures reach clients: an outage is a 503 that says so (with Retry-After), a
/// statement that ran out of time says that; neither shows SQL or a server message.
extension PostgresError: HTTPErrorConvertible {
    public var httpError: HTTPError? {
        if isTimeout {
            return HTTPError(503, "the database took too long to answer; try again, or narrow what you asked for",
                             headers: ["Retry-After": "5"])
        }
        if isConnectionLoss || kind == .poolTimeout {
            return HTTPError(503, "the database is not answering right now; try again shortly", headers: ["Retry-After": "5"])
        }
        return nil
    }
}

extension RedisError: HTTPErrorConvertible {
    public var httpError: HTTPError? {
        kind == .connection || kind == .poolTimeout
            ? HTTPError(503, "Redis is not answering right now; try again shortly", headers: ["Retry-After": "5"]) : nil
    }
}
