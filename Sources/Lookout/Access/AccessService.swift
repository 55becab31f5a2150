import Web

/// Finds who a request comes from, and signs people in and out.
struct AccessService: Sendable {
    let store: AccessStore
    let audit: AuditLog
    let settings: AccessSettings

    /// The principal of a bearer token or a session cookie; nil when there is neither or it
    /// is not valid. A request sending both is judged by its token.
    func authenticate(_ request: Request) throws -> Principal? {
        if let authorization = request.headers["Authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return try store.principal(forToken: parts[1].trimmingOWS())
        }
        guard let token = request.cookies[SessionCookie.name], !token.isEmpty else { return nil }
        return try store.session(token: token, idleSeconds: settings.idleSeconds, maxSeconds: settings.maxSeconds)
    }
}
