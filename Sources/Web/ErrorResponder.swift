#if canImport(Glibc)
import Glibc
#endif
import HTTP

/// An error of a lower layer (a database client, say) that knows which HTTP answer fits it,
/// so that the one place turning errors into responses needs no knowledge of that layer.
public protocol HTTPErrorConvertible: Error {
    /// The answer for the client, or nil for a bare 500.
    var httpError: HTTPError? { get }
}

/// Renders the HTML page for an error; the application supplies one built on its templates.
public protocol ErrorPageRenderer: Sendable {
    func renderErrorPage(status: Int, message: String, requestID: String) -> [UInt8]?
}

/// The one place where errors become responses. An `HTTPError` keeps its status and safe
/// message; anything else is logged in full on stderr under the request ID and answered
/// with a bare 500 that shows only that ID, never the error's text.
public struct ErrorResponder: Sendable {
    let pageRenderer: ErrorPageRenderer?

    public init(pageRenderer: ErrorPageRenderer? = nil) {
        self.pageRenderer = pageRenderer
    }

    public func response(for error: Error, http: HTTPRequest, wantsJSON: Bool) -> HTTPResponse {
        let status: Int, message: String, headers: HTTPHeaders
        if let error = error as? HTTPError {
            (status, message, headers) = (error.status, error.message, error.headers)
        } else if let mapped = (error as? HTTPErrorConvertible)?.httpError {
            // Still worth a line in the server's log: the client only sees the safe message.
            Self.logInternal(error, requestID: http.requestID, method: http.method, path: String(http.path))
            (status, message, headers) = (mapped.status, mapped.message, mapped.headers)
        } else {
            Self.logInternal(error, requestID: http.requestID, method: http.method, path: String(http.path))
            (status, message, headers) = (500, "Internal server error", HTTPHeaders())
        }
        var response: HTTPResponse
        if wantsJSON {
            response = .json(["error": ["status": .int(status), "message": .string(message), "request_id": .string(http.requestID)]],
                             status: status)
        } else if let page = pageRenderer?.renderErrorPage(status: status, message: message, requestID: http.requestID) {
            response = .html(page, status: status)
        } else {
            response = .text("\(status) \(HTTPStatus.reason(status)): \(message)\nRequest ID: \(http.requestID)\n", status: status)
        }
        for (name, value) in headers { response.headers.set(name, value) }
        return response
    }

    static func logInternal(_ error: Error, requestID: String, method: String, path: String) {
        let line = "{\"time\":\"\(HTTPDate.iso8601())\",\"level\":\"error\",\"service\":\"lookout\",\"request_id\":\"\(JSONText.escape(requestID))\","
            + "\"message\":\"unhandled error in \(JSONText.escape(method)) \(JSONText.escape(path))\",\"error\":\"\(JSONText.escape(String(describing: error)))\"}\n"
        StandardStreams.writeError(line)
    }
}
