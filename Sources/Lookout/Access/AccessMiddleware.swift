import HTTP
import Web

/// The gate every request passes: finds the principal (a bearer token or a session cookie),
/// sends the unsigned to sign in (pages) or answers 401 (API), checks the role a route
/// needs, and checks the session's CSRF token on every state-changing request.
///
/// Roles follow from the route, not from each handler remembering to ask: reading needs
/// viewer, any other method needs operator, anything under /dashboard/admin or
/// /api/v1/admin needs admin. Handlers add the finer rules (tenant-wide actions).
struct AccessMiddleware: Middleware {
    let access: AccessService

    static let safeMethods: Set<String> = ["GET", "HEAD"]

    /// The path as the router sees it: empty segments dropped ("//api/v1/admin" routes like
    /// "/api/v1/admin", so it must be judged like it too).
    static func routedPath(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// Routes open without a principal: signing in, static files, and the probes.
    func isPublic(_ request: Request) -> Bool {
        let path = Self.routedPath(request.path)
        if path == "/sign-in" || path.hasPrefix("/public/") || path == "/favicon.ico" { return true }
        if !access.settings.privateProbes && (path == "/health" || path.hasPrefix("/api/v1/health/") || path == "/metrics") {
            return Self.safeMethods.contains(request.method)
        }
        return false
    }

    static func requiredRole(method: String, path: String) -> Role {
        if path.hasPrefix("/dashboard/admin") || path.hasPrefix("/api/v1/admin") { return .admin }
        if safeMethods.contains(method) || path == "/sign-out" { return .viewer }
        return .operator
    }

    func handle(_ request: Request, next: (Request) throws -> HTTPResponse) throws -> HTTPResponse {
        if isPublic(request) { return try next(request) }
        guard let principal = try access.authenticate(request) else { return try refuse(request) }
        let path = Self.routedPath(request.path)
        let needed = Self.requiredRole(method: request.method, path: path)
        if principal.role == .ingest {
            // A log shipper's token: it posts lines, and that is all it can do.
            guard request.method == "POST" && path == "/api/v1/logs" else {
                throw HTTPError(403, "an ingest token may only post log lines (POST /api/v1/logs)")
            }
        } else if principal.role < needed {
            throw HTTPError(403, "this needs the \(needed.rawValue) role; you are signed in as \(principal.role.rawValue)")
        }
        if !Self.safeMethods.contains(request.method), let expected = principal.csrfToken {
            try Self.checkCSRF(request, expected: expected)
        }
        var request = request
        request.attachments[PrincipalKey.self] = principal
        var response = try next(request)
        // What a signed-in page shows is for this user now: no cache, shared or private, keeps it.
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// No principal: 401 for the API (and for a bad bearer token anywhere), else off to sign in.
    func refuse(_ request: Request) throws -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("WWW-Authenticate", "Bearer realm=\"lookout\"")
        if request.headers["Authorization"] != nil {
            throw HTTPError(401, "the bearer token is not valid (unknown, revoked, or mistyped)", headers: headers)
        }
        if request.wantsJSON {
            throw HTTPError(401, "sign in, or send Authorization: Bearer TOKEN (lookout token create)", headers: headers)
        }
        let expired = request.cookies[SessionCookie.name] != nil
        var target = "/sign-in"
        var query: [String] = []
        if Self.safeMethods.contains(request.method) {
            let next = request.http.query.isEmpty ? request.path : request.path + "?" + request.http.query
            query.append("next=" + URLEncoding.percentEncode(next))
        }
        if expired { query.append("expired=1") }
        if !query.isEmpty { target += "?" + query.joined(separator: "&") }
        var response = HTTPResponse.redirect(to: target)
        if expired { response.headers.add("Set-Cookie", SessionCookie.clearing(secure: access.settings.secureCookies)) }
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// The session's token must come back in the form field `_csrf` or the `X-CSRF-Token`
    /// header: a page of another site can make the browser send the cookie, not this token.
    static func checkCSRF(_ request: Request, expected: String) throws(HTTPError) {
        var sent = request.headers["X-CSRF-Token"]
        if sent == nil, (request.headers["Content-Type"] ?? "").lowercasedASCII().hasPrefix("application/x-www-form-urlencoded") {
            sent = try request.form()["_csrf"]
        }
        guard let sent, Secrets.constantTimeEquals(sent, expected) else {
            throw HTTPError(403, "this form has expired or did not come from Lookout (missing or wrong CSRF token): reload the page and try again")
        }
    }
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
/// POSTs), Secure when Lookout is served over HTTPS.
enum SessionCookie {
    static let name = "lookout_session"

    static func setting(_ token: String, maxAge: Int, secure: Bool) -> String {
        Cookies.setCookie(name: name, value: token, path: "/", maxAge: maxAge, httpOnly: true, secure: secure, sameSite: .lax)
    }

    static func clearing(secure: Bool) -> String {
        Cookies.setCookie(name: name, value: "", path: "/", maxAge: 0, httpOnly: true, secure: secure, sameSite: .lax)
    }
}
