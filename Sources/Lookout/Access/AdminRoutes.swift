import HTTP
import Templates
import Web

/// /dashboard/admin/* and /api/v1/admin/*: users, API tokens and the audit log. The access
/// middleware lets only admins reach these paths.
struct AdminRoutes {
    let pages: Pages
    let access: AccessService

    var store: AccessStore { access.store }
    var audit: AuditLog { access.audit }

    func register(in router: inout Router) {
        router.get("/dashboard/admin") { _ in .redirect(to: "/dashboard/admin/users", status: 302) }
        router.get("/dashboard/admin/users") { request in try self.usersPage(request) }
        router.post("/dashboard/admin/users") { request in try self.addUser(request) }
        router.post("/dashboard/admin/users/:name/role") { request in try self.changeRole(request) }
        router.post("/dashboard/admin/users/:name/delete") { request in try self.removeUser(request) }
        router.get("/dashboard/admin/tokens") { request in try self.tokensPage(request) }
        router.post("/dashboard/admin/tokens") { request in try self.createToken(request) }
        router.post("/dashboard/admin/tokens/:id/revoke") { request in try self.revokeToken(request) }
        router.get("/dashboard/admin/audit") { request in try self.auditPage(request) }

        router.get("/api/v1/admin/users") { _ in .json(["users": .array(try self.store.users().map(Self.userJSON))]) }
        router.get("/api/v1/admin/tokens") { _ in .json(["tokens": .array(try self.store.tokens().map(Self.tokenJSON))]) }
        router.post("/api/v1/admin/tokens") { request in try self.apiCreateToken(request) }
        router.post("/api/v1/admin/tokens/:id/revoke") { request in try self.apiRevokeToken(request) }
        router.get("/api/v1/admin/audit") { request in try self.apiAudit(request) }
    }

    // MARK: users

    func usersPage(_ request: Request) throws -> HTTPResponse {
        let me = try request.signedIn()
        let rows: [TemplateValue] = try store.users().map { user in
            [
                "name": .string(user.name), "path": .string(URLEncoding.percentEncode(user.name)),
                "role": .string(user.role.rawValue), "tenant": TemplateValue(user.tenant), "created": .string(user.createdAt),
                "me": .bool(user.name.lowercased() == me.name.lowercased() && me.actorKind == "user"),
                "roles": .list(Role.userRoles.map { ["value": .string($0.rawValue), "selected": .bool($0 == user.role)] }),
            ]
        }
        return pages.render("admin/users", for: request, title: "Users", section: .admin, live: false, data: [
            "users": .list(rows), "roles": .list(Role.userRoles.map { ["value": .string($0.rawValue)] }),
            "tab": .object(["users": true]),
        ])
    }

    func addUser(_ request: Request) throws -> HTTPResponse {
        let form = try request.form()
        let name = (form["name"] ?? "").trimmingOWS()
        let role = try Self.role(form["role"], forUser: true)
        let tenant = (form["tenant"] ?? "").trimmingOWS()
        let user = try store.addUser(name: name, password: form["password"] ?? "", role: role, tenant: tenant.isEmpty ? nil : tenant)
        audit.record(request, action: "user.add", target: "user:" + user.name,
                     detail: "role \(user.role.rawValue)" + (user.tenant.map { ", tenant " + $0 } ?? ""))
        return Flash.redirect(to: "/dashboard/admin/users", message: "User \(user.name) added as \(user.role.rawValue).")
    }

    func changeRole(_ request: Request) throws -> HTTPResponse {
        let name = request.parameters["name"] ?? ""
        let role = try Self.role(try request.form()["role"], forUser: true)
        guard let user = try store.setRole(name: name, role: role) else { throw HTTPError.notFound("no user named '\(name)'") }
        audit.record(request, action: "user.role", target: "user:" + user.name, detail: "role \(role.rawValue)")
        return Flash.redirect(to: "/dashboard/admin/users", message: "\(user.name) is now \(role.rawValue).")
    }

    func removeUser(_ request: Request) throws -> HTTPResponse {
        let name = request.parameters["name"] ?? ""
        guard try store.removeUser(name: name) else { throw HTTPError.notFound("no user named '\(name)'") }
        audit.record(request, action: "user.remove", target: "user:" + name)
        return Flash.redirect(to: "/dashboard/admin/users", message: "User \(name) removed; their sessions have ended.")
    }

    static func role(_ text: String?, forUser: Bool = false) throws(HTTPError) -> Role {
        guard let role = Role(rawValue: text ?? ""), !forUser || role != .ingest else {
            throw HTTPError.badRequest("'role' must be one of \(forUser ? Role.userNames : Role.names)")
        }
        return role
    }

    static func userJSON(_ user: AccessStore.User) -> JSONValue {
        ["name": .string(user.name), "role": .string(user.role.rawValue), "tenant": user.tenant.map { .string($0) } ?? .null,
         "created_at": .string(user.createdAt)]
    }

    // MARK: tokens

    func tokensPage(_ request: Request, created: (AccessStore.APIToken, String)? = nil) throws -> HTTPResponse {
        let rows: [TemplateValue] = try store.tokens().map { token in
            [
                "id": .int(token.id), "name": .string(token.name), "prefix": .string(token.prefix), "role": .string(token.role.rawValue),
                "tenant": TemplateValue(token.tenant), "createdBy": .string(token.createdBy), "created": .string(token.createdAt),
                "lastUsed": TemplateValue(token.lastUsedAt), "revoked": TemplateValue(token.revokedAt),
            ]
        }
        var response = pages.render("admin/tokens", for: request, title: "API tokens", section: .admin, live: false, data: [
            "tokens": .list(rows), "roles": .list(Role.allCases.map { ["value": .string($0.rawValue)] }),
            "tab": .object(["tokens": true]),
            "created": created.map { token, secret in .object(["name": .string(token.name), "secret": .string(secret)]) } ?? .null,
        ])
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// Shows the new token on the answer itself, once: it is never put in a cookie or a URL.
    func createToken(_ request: Request) throws -> HTTPResponse {
        let form = try request.form()
        let created = try makeToken(request, name: form["name"] ?? "", role: form["role"], tenant: form["tenant"])
        return try tokensPage(request, created: created)
    }

    func makeToken(_ request: Request, name: String, role: String?, tenant: String?) throws -> (AccessStore.APIToken, String) {
        let tenant = (tenant ?? "").trimmingOWS()
        let (token, secret) = try store.createToken(name: name, role: try Self.role(role), tenant: tenant.isEmpty ? nil : tenant,
                                                    createdBy: try request.signedIn().actor)
        audit.record(request, action: "token.create", target: "token:\(token.id)",
                     detail: "\(token.name), role \(token.role.rawValue)" + (token.tenant.map { ", tenant " + $0 } ?? ""))
        return (token, secret)
    }

    func revokeToken(_ request: Request) throws -> HTTPResponse {
        let id = try revoke(request)
        return Flash.redirect(to: "/dashboard/admin/tokens", message: "Token \(id) revoked.")
    }

    func revoke(_ request: Request) throws -> Int {
        guard let id = Int(request.parameters["id"] ?? ""), id > 0 else { throw HTTPError.badRequest("the token id must be a positive whole number") }
        guard try store.revokeToken(id: id) else { throw HTTPError.notFound("no live token \(id)") }
        audit.record(request, action: "token.revoke", target: "token:\(id)")
        return id
    }

    func apiCreateToken(_ request: Request) throws -> HTTPResponse {
        let form = try Self.fields(request)
        let (token, secret) = try makeToken(request, name: form["name"] ?? "", role: form["role"], tenant: form["tenant"])
        var body = Self.tokenJSON(token)
        if case .object(var fields) = body {
            fields.append(("token", .string(secret)))
            body = .object(fields)
        }
        return .json(body, status: 201)
    }

    func apiRevokeToken(_ request: Request) throws -> HTTPResponse {
        .json(["ok": true, "revoked": .int(try revoke(request))])
    }

    /// The fields of an API call: a JSON object body, a form body, or the query.
    static func fields(_ request: Request) throws -> [String: String] {
        let type = (request.headers["Content-Type"] ?? "").lowercasedASCII()
        if type.hasPrefix("application/json") {
            guard let text = String(validating: request.http.body, as: UTF8.self) else { throw HTTPError.badRequest("the body is not UTF-8") }
            let parsed: JSONValue
            do { parsed = try JSONParser.parse(text) } catch { throw HTTPError.badRequest("the body is not valid JSON: \(error)") }
            guard case .object(let pairs) = parsed else { throw HTTPError.badRequest("expected a JSON object") }
            var fields: [String: String] = [:]
            for (key, value) in pairs {
                switch value {
                case .string(let text): fields[key] = text
                case .null: continue
                default: throw HTTPError.badRequest("'\(key)' must be a string")
                }
            }
            return fields
        }
        let params = request.http.body.isEmpty ? request.query : try request.form()
        return Dictionary(params.pairs, uniquingKeysWith: { first, _ in first })
    }

    static func tokenJSON(_ token: AccessStore.APIToken) -> JSONValue {
        ["id": .int(token.id), "name": .string(token.name), "prefix": .string(token.prefix), "role": .string(token.role.rawValue),
         "tenant": token.tenant.map { .string($0) } ?? .null, "created_by": .string(token.createdBy), "created_at": .string(token.createdAt),
         "last_used_at": token.lastUsedAt.map { .string($0) } ?? .null, "revoked_at": token.revokedAt.map { .string($0) } ?? .null]
    }

    // MARK: audit log

    struct AuditQuery {
        let before: Int?
        let limit: Int
        let actor: String?
        let action: String?

        init(_ query: Parameters) throws(HTTPError) {
            before = try query.int("before", in: 1...Int.max)
            limit = try query.int("limit", in: 1...500) ?? 100
            actor = query["actor"].flatMap { $0.isEmpty ? nil : $0 }
            action = query["action"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    func auditPage(_ request: Request) throws -> HTTPResponse {
        let query = try AuditQuery(request.query)
        let entries = try audit.entries(before: query.before, limit: query.limit, actor: query.actor, action: query.action)
        let rows: [TemplateValue] = entries.map { entry in
            [
                "at": .string(entry.at), "actor": .string(entry.actor), "kind": .string(entry.actorKind), "tenant": TemplateValue(entry.tenant),
                "action": .string(entry.action), "target": TemplateValue(entry.target), "targetHref": TemplateValue(Self.href(entry.target)),
                "detail": TemplateValue(entry.detail), "address": TemplateValue(entry.address), "requestID": TemplateValue(entry.requestID),
            ]
        }
        var filter = ""
        if let actor = query.actor { filter += "&actor=" + URLEncoding.percentEncode(actor) }
        if let action = query.action { filter += "&action=" + URLEncoding.percentEncode(action) }
        let older = entries.count == query.limit ? entries.last.map { "/dashboard/admin/audit?before=\($0.id)" + filter } : nil
        return pages.render("admin/audit", for: request, title: "Audit log", section: .admin, live: true, data: [
            "entries": .list(rows), "actor": TemplateValue(query.actor), "action": TemplateValue(query.action),
            "olderHref": TemplateValue(older), "paged": .bool(query.before != nil),
            "tab": .object(["audit": true]),
        ])
    }

    /// A link for targets that are pages: a job or a queue.
    static func href(_ target: String?) -> String? {
        guard let target else { return nil }
        if target.hasPrefix("job:"), let id = Int(target.dropFirst(4)) { return "/dashboard/system/jobs/\(id)" }
        if target.hasPrefix("queue:") { return JobRoutes.queuePath(String(target.dropFirst(6))) }
        return nil
    }

    func apiAudit(_ request: Request) throws -> HTTPResponse {
        let query = try AuditQuery(request.query)
        let entries = try audit.entries(before: query.before, limit: query.limit, actor: query.actor, action: query.action)
        let next: JSONValue = entries.count == query.limit ? (entries.last.map { .int($0.id) } ?? .null) : .null
        let opt: (String?) -> JSONValue = { $0.map(JSONValue.string) ?? .null }
        return .json(["entries": .array(entries.map { e in
            ["id": .int(e.id), "at": .string(e.at), "actor": .string(e.actor), "actor_kind": .string(e.actorKind), "tenant": opt(e.tenant),
             "action": .string(e.action), "target": opt(e.target), "detail": opt(e.detail), "address": opt(e.address),
             "request_id": opt(e.requestID)]
        }), "next_before": next])
    }
}
