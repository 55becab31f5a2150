import Postgres

/// API tokens: printed once when made, stored as SHA-256, revocable.
extension AccessStore {
    public struct APIToken: Sendable {
        public let id: Int
        public let name: String
        public let prefix: String
        public let role: Role
        public let tenant: String?
        public let createdBy: String
        public let createdAt: String
        public let lastUsedAt: String?
        public let revokedAt: String?
    }

    /// Makes a token and returns it with its secret, which is not stored and cannot be shown again.
    public func createToken(name: String, role: Role, tenant: String?, createdBy: String) throws -> (APIToken, secret: String) {
        let trimmed = name.trimmingOWS()
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw Refusal("a token name is 1-100 characters (what it is for, e.g. 'prometheus')") }
        if let tenant { try Self.validate(tenant: tenant) }
        if role == .admin && tenant != nil { throw Refusal("an admin token cannot be bound to a tenant") }
        let secret = Secrets.newAPIToken()
        let result = try database.withConnection { try $0.query("""
            INSERT INTO api_tokens (name, token_hash, prefix, role, tenant, created_by)
            VALUES ($1, sha256(convert_to($2, 'UTF8')), $3, $4, $5, $6) RETURNING \(Self.tokenColumns)
            """, [trimmed, secret, String(secret.prefix(Secrets.tokenPrefix.count + 6)), role.rawValue, tenant, createdBy]) }
        return (try Self.decodeTokens(result)[0], secret)
    }

    static let tokenColumns = """
        id, name, prefix, role, tenant, created_by,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at,
        to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS last_used_at,
        to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS revoked_at
        """

    public func tokens() throws -> [APIToken] {
        try Self.decodeTokens(try database.withConnection {
            try $0.query("SELECT \(Self.tokenColumns) FROM api_tokens ORDER BY revoked_at IS NOT NULL, id DESC")
        })
    }

    /// Revokes a token; false when there is no such token or it was revoked already.
    public func revokeToken(id: Int) throws -> Bool {
        try database.withConnection {
            try $0.query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [String(id)]).affectedRows == 1
        }
    }

    /// The principal of a live token; its last use is written at most once a minute.
    public func principal(forToken secret: String) throws -> Principal? {
        guard secret.hasPrefix(Secrets.tokenPrefix), secret.utf8.count == Secrets.tokenPrefix.count + 64 else { return nil }
        let result = try database.withConnection { try $0.query("""
            WITH live AS (
                SELECT id, name, role, tenant, last_used_at FROM api_tokens
                WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND revoked_at IS NULL
            ), touched AS (
                UPDATE api_tokens SET last_used_at = now()
                WHERE id = (SELECT id FROM live WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            )
            SELECT id, name, role, tenant FROM live
            """, [secret]) }
        guard !result.isEmpty, let id = try result.int(0, "id"), let role = Role(rawValue: try result.string(0, "role") ?? "") else { return nil }
        return Principal(name: try result.string(0, "name") ?? "", role: role, tenant: try result.string(0, "tenant"), credential: .token(id: id))
    }

    static func decodeTokens(_ result: PostgresResult) throws -> [APIToken] {
        try result.rows.indices.map { row in
            APIToken(id: try result.int(row, "id") ?? 0, name: try result.string(row, "name") ?? "",
                     prefix: try result.string(row, "prefix") ?? "", role: Role(rawValue: try result.string(row, "role") ?? "") ?? .viewer,
                     tenant: try result.string(row, "tenant"), createdBy: try result.string(row, "created_by") ?? "",
                     createdAt: try result.string(row, "created_at") ?? "", lastUsedAt: try result.string(row, "last_used_at"),
                     revokedAt: try result.string(row, "revoked_at"))
        }
    }
}
