/// A response: status, header fields, and a body that is either sized bytes or a stream.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Written in chunked coding (HTTP/1.1) as the closure produces it; for HTTP/1.0
        /// clients the connection is closed to end the body.
        case stream(@Sendable (BodyWriter) throws -> Void)
    }

    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int = 200, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: ["Content-Type": contentType], body: .bytes(body))
    }

    public init(status: Int = 200, contentType: String, text: String) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8))
    }
}

/// Receives the pieces of a streamed body.
public protocol BodyWriter {
    func write(_ bytes: [UInt8]) throws
    func write(_ text: String) throws
}
