import HTTP

/// An error that becomes a response with its status and a message that is safe to show.
/// Anything thrown that is not an HTTPError becomes a bare 500 (see `ErrorResponder`).
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    /// Shown to the client as is: never put SQL, stack traces or internal details here.
    public let message: String
    public var headers: HTTPHeaders

    public init(_ status: Int, _ message: String? = nil, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message ?? HTTPStatus.reason(status)
        self.headers = headers
    }

    public static func badRequest(_ message: String) -> HTTPError { HTTPError(400, message) }
    public static func notFound(_ message: String = "Not found") -> HTTPError { HTTPError(404, message) }

    public var description: String { "HTTP \(status): \(message)" }
}
