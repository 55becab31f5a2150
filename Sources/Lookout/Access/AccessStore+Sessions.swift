import Postgres

/// Browser sessions: the cookie carries a random 256-bit token, the table its SHA-256.
extension AccessStore {
    public struct NewSession: Sendable {
        public let token: String
        public let csrfToken: String
    }

    public func createSession(userID: Int, address: String, userAgent: String?) throws -> NewSession {
        let token = Secrets.randomHex(), csrf = Secrets.randomHex()
        try database.withConnection { connection in
            _ = try connection.query("""
                INSERT INTO sessions (token_hash, user_id, csrf_token, address, user_agent)
                VALUES (sha256(convert_to($1, 'UTF8')), $2, $3, $4, left($5, 300))
                """, [token, String(userID), csrf, address, userAgent])
        }
        return NewSession(token: token, csrfToken: csrf)
    }

    /// The principal of a live session: neither idle longer than `idleSeconds` nor older than
    /// `maxSeconds`. Its last-seen time is written at most once a minute, not on every
    /// 5-second refresh. Role and tenant are read from the user each time, so a change an
    /// admin makes applies at once.
    public func session(token: String, idleSeconds: Int, maxSeconds: Int) throws -> Principal? {
        guard token.utf8.count == 64 else { return nil }
        let result = try database.withConnection { try $0.query("""
            WITH live AS (
                SELECT s.id, s.csrf_token, s.last_seen_at, u.name, u.role, u.tenant
                FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = sha256(convert_to($1, 'UTF8'))
                  AND s.last_seen_at > now() - make_interval(secs => $2::int)
                  AND s.created_at > now() - make_interval(secs => $3::int)
            ), touched AS (
                UPDATE sessions SET last_seen_at = now()
                WHERE id = (SELECT id FROM live WHERE last_seen_at < now() - interval '1 minute')
            )
            SELECT id, csrf_token, name, role, tenant FROM live
            """, [token, String(idleSeconds), String(maxSeconds)]) }
        guard !result.isEmpty, let id = try result.int(0, "id"), let csrf = try result.string(0, "csrf_token"),
              let role = Role(rawValue: try result.string(0, "role") ?? "") else { return nil }
        return Principal(name: try result.string(0, "name") ?? "", role: role, tenant: try result.string(0, "tenant"),
                         credential: .session(id: id, csrfToken: csrf))
    }

    public func endSession(id: Int) throws {
        try database.withConnection { _ = try $0.query("DELETE FROM sessions WHERE id = $1", [String(id)]) }
    }

    /// Deletes sessions past their absolute lifetime (idle ones are refused on use and
    /// go with these).
    public func purgeSessions(maxSeconds: Int) throws {
        try database.withConnection { connection in
            _ = try connection.query("DELETE FROM sessions WHERE created_at < now() - make_interval(secs => $1::int)", [String(maxSeconds)])
            _ = try connection.query("DELETE FROM sign_in_failures WHERE at < now() - interval '1 day'")
        }
    }

    // MARK: Throttling failed sign-ins

    public struct Throttle: Sendable {
        /// Failures a name may have within `window` before it is refused until they age out.
        public var perName = 5
        /// Failures one address may have within `window` (many names from one place).
        public var perAddress = 20
        public var windowSeconds = 900
        public init() {}
    }

    /// Seconds until `name` or `address` may try again, or nil when they may now. Call it
    /// after `recordFailure` for the attempt being made: every attempt counts as failed until
    /// it succeeds, so attempts racing in parallel cannot all slip under the limit.
    public func throttled(name: String, address: String, limits: Throttle) throws -> Int? {
        let result = try database.withConnection { try $0.query("""
            SELECT count(*) FILTER (WHERE lower(name) = lower($1)) AS by_name,
                   count(*) FILTER (WHERE address = $2) AS by_address,
                   ceil(extract(epoch FROM min(at) FILTER (WHERE lower(name) = lower($1)) + make_interval(secs => $3::int) - now()))::int AS name_wait,
                   ceil(extract(epoch FROM min(at) FILTER (WHERE address = $2) + make_interval(secs => $3::int) - now()))::int AS address_wait
            FROM sign_in_failures
            WHERE (lower(name) = lower($1) OR address = $2) AND at > now() - make_interval(secs => $3::int)
            """, [String(name.prefix(200)), address, String(limits.windowSeconds)]) }
        var wait: Int?
        if (try result.int(0, "by_name") ?? 0) > limits.perName { wait = max(1, try result.int(0, "name_wait") ?? 1) }
        if (try result.int(0, "by_address") ?? 0) > limits.perAddress {
            wait = max(wait ?? 0, max(1, try result.int(0, "address_wait") ?? 1))
        }
        return wait
    }

    public func recordFailure(name: String, address: String) throws {
        try database.withConnection {
            _ = try $0.query("INSERT INTO sign_in_failures (name, address) VALUES ($1, $2)", [String(name.prefix(200)), address])
        }
    }

    /// A successful sign-in forgives that name's failures (not the address's).
    public func clearFailures(name: String) throws {
        try database.withConnection { _ = try $0.query("DELETE FROM sign_in_failures WHERE lower(name) = lower($1)", [name]) }
    }
}
