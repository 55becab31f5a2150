public enum HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    case http1_0, http1_1

    public var description: String { self == .http1_0 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// How the request body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// A parsed, validated request head: request line plus header fields.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The request target as sent (origin-form, or the path of an absolute-form target).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// `Expect: 100-continue` was sent.
    public var expectsContinue: Bool
    /// Whether the connection may stay open after the response (RFC 9112 §9.3).
    public var keepAlive: Bool

    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders, framing: BodyFraming,
                expectsContinue: Bool, keepAlive: Bool) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        self.expectsContinue = expectsContinue
        self.keepAlive = keepAlive
    }

    /// The target up to `?`.
    public var path: Substring {
        target.firstIndex(of: "?").map { target[..<$0] } ?? target[...]
    }

    /// The raw query string after `?`, or "".
    public var query: Substring {
        target.firstIndex(of: "?").map { target[target.index(after: $0)...] } ?? ""
    }
}
