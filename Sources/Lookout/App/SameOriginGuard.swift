import HTTP
import Web

/// Refuses state-changing requests that a browser says come from another site: the part of
/// CSRF protection that needs no session (Fetch Metadata `Sec-Fetch-Site`, then `Origin`
/// against `Host`). Clients that send neither header (curl, scripts) are not browsers and pass.
struct SameOriginGuard: Middleware {
    static let safeMethods: Set<String> = ["GET", "HEAD", "OPTIONS"]

    func handle(_ request: Request, next: (Request) throws -> HTTPResponse) throws -> HTTPResponse {
        guard !Self.safeMethods.contains(request.method) else { return try next(request) }
        if let site = request.headers["Sec-Fetch-Site"]?.lowercasedASCII() {
            guard site == "same-origin" || site == "none" else {
                throw HTTPError(403, "cross-site request refused: this action must come from Lookout's own pages")
            }
        } else if let origin = request.headers["Origin"] {
            let host = request.headers["Host"] ?? ""
            guard origin == "http://" + host || origin == "https://" + host else {
                throw HTTPError(403, "cross-origin request refused: Origin does not match this server")
            }
        }
        return try next(request)
    }
}
