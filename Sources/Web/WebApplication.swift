import HTTP

/// The responder the HTTP server calls: decodes the request, routes it through the
/// middleware to its handler, and turns every error into a response in one place.
public final class WebApplication: HTTPResponder {
    private let router: Router
    private let middleware: [Middleware]
    private let errors: ErrorResponder
    /// Added to every response, errors included, unless the handler set them.
    private let defaultHeaders: HTTPHeaders

    public init(router: Router, middleware: [Middleware] = [], errors: ErrorResponder = ErrorResponder(),
                defaultHeaders: HTTPHeaders = HTTPHeaders()) {
        self.router = router
        self.middleware = middleware
        self.errors = errors
        self.defaultHeaders = defaultHeaders
    }

    public func respond(to http: HTTPRequest) -> HTTPResponse {
        var response: HTTPResponse
        var wantsJSON = http.path.hasPrefix("/api/")
        do {
            var request = try Request(http)
            wantsJSON = request.wantsJSON
            let handler = try router.resolve(&request)
            response = try run(request, from: 0, handler: handler)
        } catch {
            response = errors.response(for: error, http: http, wantsJSON: wantsJSON)
        }
        for (name, value) in defaultHeaders where !response.headers.contains(name) {
            response.headers.add(name, value)
        }
        return response
    }

    private func run(_ request: Request, from index: Int, handler: Handler) throws -> HTTPResponse {
        guard index < middleware.count else { return try handler(request) }
        return try middleware[index].handle(request) { next in try run(next, from: index + 1, handler: handler) }
    }
}
