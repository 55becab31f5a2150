import HTTP

/// A request as the web layer sees it: the HTTP request plus route parameters and decoded
/// query, form and cookies.
public struct Request: Sendable {
    public let http: HTTPRequest
    /// Percent-decoded path segments captured by the route pattern.
    public internal(set) var parameters: [String: String] = [:]
    public let query: Parameters
    /// Values middleware attaches for handlers further in (who is signed in, say), keyed by type.
    public var attachments = Attachments()

    public init(_ http: HTTPRequest) throws(HTTPError) {
        self.http = http
        query = Parameters(try URLEncoding.parseForm(http.query))
    }

    public var method: String { http.method }
    public var path: String { String(http.path) }
    public var headers: HTTPHeaders { http.headers }
    public var requestID: String { http.requestID }
    public var cookies: [String: String] { Cookies.parse(http.headers["Cookie"]) }

    /// The body as an urlencoded form; 415 for another content type.
    public func form() throws(HTTPError) -> Parameters {
        let type = headers["Content-Type"]?.lowercasedASCII() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw HTTPError(415, "expected an application/x-www-form-urlencoded body")
        }
        guard let text = String(validating: http.body, as: UTF8.self) else { throw HTTPError.badRequest("form body is not UTF-8") }
        return Parameters(try URLEncoding.parseForm(text))
    }

    /// True when the client prefers JSON (API routes, or an Accept header asking for it).
    public var wantsJSON: Bool {
        if path.hasPrefix("/api/") { return true }
        let accept = headers["Accept"] ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }
}

/// A typed key for a value attached to a request.
public protocol AttachmentKey {
    associatedtype Value: Sendable
}

/// Values attached to a request by middleware, one per key type.
public struct Attachments: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    public subscript<Key: AttachmentKey>(_ key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}
