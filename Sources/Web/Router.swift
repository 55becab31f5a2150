import HTTP

public typealias Handler = @Sendable (Request) throws -> HTTPResponse

/// Routes by method and path pattern: 404 when no pattern matches the path, 405 with an
/// Allow header when one matches but not for this method; HEAD is served by GET routes.
public struct Router: Sendable {
    struct Route: Sendable {
        let method: String
        let pattern: RoutePattern
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// Every route as (method, pattern text), in registration order: what tests walk to
    /// check that no route is left open by mistake.
    public var table: [(method: String, pattern: String)] { routes.map { ($0.method, $0.pattern.description) } }

    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, pattern: RoutePattern(pattern), handler: handler))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { add("GET", pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { add("POST", pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { add("DELETE", pattern, handler) }

    /// Finds the handler for a request and fills in its route parameters.
    public func resolve(_ request: inout Request) throws(HTTPError) -> Handler {
        let segments = request.http.path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes {
            guard let captures = try route.pattern.match(segments) else { continue }
            if route.method == request.method || (request.method == "HEAD" && route.method == "GET") {
                request.parameters = captures
                return route.handler
            }
            allowed.append(route.method)
        }
        guard !allowed.isEmpty else { throw HTTPError.notFound() }
        if allowed.contains("GET") { allowed.append("HEAD") }
        var headers = HTTPHeaders()
        headers.add("Allow", Array(Set(allowed)).sorted().joined(separator: ", "))
        throw HTTPError(405, "method \(request.method) is not allowed here", headers: headers)
    }
}
