/// A Redis failure: the connection (refused, timed out, closed) or an error reply.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case connection = "connection failed"
        case reply = "error reply"
        case poolTimeout = "no Redis connection free in time"
        case protocolError = "unexpected reply"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String = "") {
        self.kind = kind
        self.message = message
    }

    public var description: String { "Redis \(kind.rawValue)" + (message.isEmpty ? "" : ": \(message)") }
}
