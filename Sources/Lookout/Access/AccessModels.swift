import HTTP
import Web

/// What a signed-in user or an API token may do. Each role can do everything the one
/// before it can: ingest (tokens of log shippers) only posts log lines, a viewer reads, an
/// operator also acts on queues and jobs, an admin also manages users, tokens and queue
/// thresholds.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case ingest, viewer, `operator`, admin

    /// The roles a person can have; `ingest` is for tokens only.
    static let userRoles: [Role] = [.viewer, .operator, .admin]

    var rank: Int {
        switch self {
        case .ingest: -1
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    static let names = Role.allCases.map(\.rawValue).joined(separator: ", ")
    static let userNames = userRoles.map(\.rawValue).joined(separator: ", ")
}

/// Which tenants' rows a request may see: all of them, or one (seed 004).
public enum TenantScope: Sendable, Equatable {
    case all
    case tenant(String)
    /// No rows at all: what a request gets when no principal was attached (fail closed).
    case nobody
}

/// Who is making a request, found from its session cookie or its bearer token.
public struct Principal: Sendable {
    public enum Credential: Sendable, Equatable {
        /// A browser session; state-changing requests must carry its CSRF token.
        case session(id: Int, csrfToken: String)
        case token(id: Int)
    }

    public let name: String
    public let role: Role
    public let tenant: String?
    public let credential: Credential

    public var scope: TenantScope { tenant.map(TenantScope.tenant) ?? .all }

    /// How the audit log names this principal: a user's name, or `token:NAME`.
    public var actor: String {
        if case .token = credential { return "token:" + name }
        return name
    }

    var actorKind: String {
        if case .token = credential { return "token" }
        return "user"
    }

    var csrfToken: String? {
        if case .session(_, let token) = credential { return token }
        return nil
    }
}

struct PrincipalKey: AttachmentKey {
    typealias Value = Principal
}

extension Request {
    /// The principal the access middleware found; every route behind it has one.
    var principal: Principal? { attachments[PrincipalKey.self] }

    /// The principal, or 401 (a route reached without the access middleware is a bug, and
    /// must fail closed).
    func signedIn() throws(HTTPError) -> Principal {
        guard let principal else { throw HTTPError(401, "sign in first") }
        return principal
    }

    /// The principal when its role is at least `role`; else 403 naming what is missing.
    @discardableResult
    func require(_ role: Role) throws(HTTPError) -> Principal {
        let principal = try signedIn()
        guard principal.role >= role else {
            throw HTTPError(403, "this needs the \(role.rawValue) role; you are signed in as \(principal.role.rawValue)")
        }
        return principal
    }

    /// For actions that reach every tenant at once (pausing a shared queue, say): refused to
    /// a principal bound to one tenant.
    @discardableResult
    func requireAllTenants(_ what: String) throws(HTTPError) -> Principal {
        let principal = try signedIn()
        if let tenant = principal.tenant {
            throw HTTPError(403, "\(what) affects every tenant; your access is limited to tenant '\(tenant)'")
        }
        return principal
    }

    /// The tenant scope of this request: where every store read and write is confined.
    var scope: TenantScope { principal?.scope ?? .nobody }
}
