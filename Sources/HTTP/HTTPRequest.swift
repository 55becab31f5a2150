/// A whole request as handed to a responder: the validated head, the body, and what the
/// server knows about it.
public struct HTTPRequest: Sendable {
    public let head: HTTPRequestHead
    public let body: [UInt8]
    /// The client's X-Request-ID when it sent a sane one, else one made here.
    public let requestID: String
    /// The peer's numeric address ("127.0.0.1"), without port.
    public let remoteAddress: String

    public init(head: HTTPRequestHead, body: [UInt8], requestID: String, remoteAddress: String) {
        self.head = head
        self.body = body
        self.requestID = requestID
        self.remoteAddress = remoteAddress
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var path: Substring { head.path }
    public var query: Substring { head.query }
    public var headers: HTTPHeaders { head.headers }
}

/// Answers requests. Runs on one of the server's worker threads and may block (on
/// PostgreSQL or Redis): the server never runs it on the thread that accepts connections.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
}
