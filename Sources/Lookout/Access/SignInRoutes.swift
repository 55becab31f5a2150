import HTTP
import Templates
import Web

/// /sign-in and /sign-out.
struct SignInRoutes {
    let pages: Pages
    let access: AccessService

    func register(in router: inout Router) {
        router.get("/sign-in") { request in try self.form(request) }
        router.post("/sign-in") { request in try self.signIn(request) }
        router.post("/sign-out") { request in try self.signOut(request) }
    }

    /// Only a path on this site: "//evil.example" or "/\evil" would leave it.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
              !next.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { return "/dashboard/system" }
        return next
    }

    func form(_ request: Request, status: Int = 200, name: String = "", error: String? = nil) throws -> HTTPResponse {
        if status == 200, try access.authenticate(request) != nil {
            return .redirect(to: Self.safeNext(request.query["next"]))
        }
        let notice: String? = request.query["expired"] == "1" ? "Your session has ended; sign in again." : nil
        var response = pages.render("signin", for: request, title: "Sign in", section: nil, live: false, data: [
            "next": .string(Self.safeNext(request.query["next"] ?? (try? request.form())?["next"])),
            "name": .string(name),
            "error": TemplateValue(error),
            "notice": TemplateValue(notice),
        ])
        response.status = status
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    func signIn(_ request: Request) throws -> HTTPResponse {
        let form = try request.form()
        let name = (form["name"] ?? "").trimmingOWS(), password = form["password"] ?? ""
        guard !name.isEmpty, !password.isEmpty else {
            return try self.form(request, status: 400, name: name, error: "Enter your user name and password.")
        }
        // No user name is longer than 64 characters; nothing longer reaches the audit log.
        guard name.utf8.count <= 200, password.utf8.count <= 1000 else {
            return try self.form(request, status: 400, name: "", error: "That user name or password is far too long.")
        }
        let address = request.http.remoteAddress
        // The attempt counts as failed until it succeeds (parallel guesses share the limit).
        try access.store.recordFailure(name: name, address: address)
        if let wait = try access.store.throttled(name: name, address: address, limits: access.settings.throttle) {
            access.audit.record(actor: name, kind: "anonymous", tenant: nil, action: "sign-in.throttled", target: nil,
                                detail: nil, address: address, requestID: request.requestID)
            var response = try self.form(request, status: 429, name: name,
                                         error: "Too many failed sign-ins for this name or from this address. Try again in \(Self.minutes(wait)).")
            response.headers.set("Retry-After", String(wait))
            return response
        }
        guard let user = try access.store.verify(name: name, password: password) else {
            access.audit.record(actor: name, kind: "anonymous", tenant: nil, action: "sign-in.failed", target: nil,
                                detail: nil, address: address, requestID: request.requestID)
            return try self.form(request, status: 401, name: name, error: "Wrong user name or password.")
        }
        try access.store.clearFailures(name: name)
        // A new token on every sign-in (no session fixation); any session this browser had ends.
        if case .session(let id, _)? = try access.authenticate(request)?.credential { try access.store.endSession(id: id) }
        let session = try access.store.createSession(userID: user.id, address: address, userAgent: request.headers["User-Agent"])
        access.audit.record(actor: user.name, kind: "user", tenant: user.tenant, action: "sign-in", target: nil, detail: nil,
                            address: address, requestID: request.requestID)
        var response = HTTPResponse.redirect(to: Self.safeNext(form["next"]))
        response.headers.add("Set-Cookie", SessionCookie.setting(session.token, maxAge: access.settings.maxSeconds, secure: access.settings.secureCookies))
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    func signOut(_ request: Request) throws -> HTTPResponse {
        let principal = try request.signedIn()
        if case .session(let id, _) = principal.credential {
            try access.store.endSession(id: id)
            access.audit.record(request, action: "sign-out", target: nil)
        }
        var response = Flash.redirect(to: "/sign-in", message: "Signed out.")
        response.headers.add("Set-Cookie", SessionCookie.clearing(secure: access.settings.secureCookies))
        return response
    }

    static func minutes(_ seconds: Int) -> String {
        seconds < 90 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes"
    }
}
