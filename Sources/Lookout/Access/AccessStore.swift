import Postgres
import Web

/// Users, sessions, API tokens and sign-in failures in PostgreSQL (migration 0002).
/// Passwords are bcrypt hashes made by pgcrypto's crypt(); session and API tokens are
/// stored as SHA-256 digests only.
public struct AccessStore: Sendable {
    let database: PostgresPool
    /// bcrypt's work factor: 2^cost rounds (12: about 0.2 s of one core here).
    let bcryptCost: Int

    public init(database: PostgresPool, bcryptCost: Int = 12) {
        self.database = database
        self.bcryptCost = bcryptCost
    }

    public struct User: Sendable, Equatable {
        public let id: Int
        public let name: String
        public let role: Role
        public let tenant: String?
        public let createdAt: String
    }

    /// A reason an account change was refused, worded for the person who asked.
    public struct Refusal: Error, Sendable, CustomStringConvertible, HTTPErrorConvertible {
        public let message: String
        /// 400 for input the rules refuse, 409 for a clash with what exists.
        public let status: Int
        public var description: String { message }
        public var httpError: HTTPError? { HTTPError(status, message) }
        init(_ message: String, status: Int = 400) {
            self.message = message
            self.status = status
        }
    }

    static let namePattern = "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
    static let tenantPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

    /// Checks a new account's fields; the same rules the table's CHECKs hold.
    public static func validate(name: String, password: String?, role: Role, tenant: String?) throws(Refusal) {
        guard name.wholeMatch(ascii: "A-Za-z0-9._@-", first: "A-Za-z0-9", max: 64) else {
            throw Refusal("a user name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
        }
        if let tenant { try validate(tenant: tenant) }
        if role == .ingest { throw Refusal("ingest is a role for API tokens of log shippers; a user is viewer, operator or admin") }
        if role == .admin && tenant != nil {
            throw Refusal("an admin manages every tenant and cannot be bound to one; use operator or viewer with --tenant")
        }
        if let password { try validate(password: password) }
    }

    public static func validate(tenant: String) throws(Refusal) {
        guard tenant.wholeMatch(ascii: "A-Za-z0-9._-", first: "A-Za-z0-9", max: 64) else {
            throw Refusal("a tenant is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
    }

    /// bcrypt reads at most 72 bytes: a longer password would be silently cut, so refuse it.
    public static func validate(password: String) throws(Refusal) {
        let bytes = password.utf8.count
        guard bytes >= 8 else { throw Refusal("a password needs at least 8 characters") }
        guard bytes <= 72 else { throw Refusal("a password can be at most 72 bytes (bcrypt ignores the rest)") }
        guard !password.utf8.contains(0) else { throw Refusal("a password cannot contain a NUL character") }
    }

    @discardableResult
    public func addUser(name: String, password: String, role: Role, tenant: String?) throws -> User {
        try Self.validate(name: name, password: password, role: role, tenant: tenant)
        do {
            let result = try database.withConnection { try $0.query("""
                INSERT INTO users (name, password_hash, role, tenant) VALUES ($1, crypt($2, gen_salt('bf', $5::int)), $3, $4)
                RETURNING \(Self.userColumns)
                """, [name, password, role.rawValue, tenant, String(bcryptCost)]) }
            return try Self.decodeUsers(result)[0]
        } catch let error as PostgresError where error.sqlState == "23505" {
            throw Refusal("a user named '\(name)' already exists", status: 409)
        }
    }

    static let userColumns = "id, name, role, tenant, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at"

    public func users() throws -> [User] {
        try Self.decodeUsers(try database.withConnection { try $0.query("SELECT \(Self.userColumns) FROM users ORDER BY lower(name)") })
    }

    public func user(named name: String) throws -> User? {
        try Self.decodeUsers(try database.withConnection {
            try $0.query("SELECT \(Self.userColumns) FROM users WHERE lower(name) = lower($1)", [name])
        }).first
    }

    /// Changes a password and ends the user's sessions everywhere.
    public func setPassword(name: String, password: String) throws -> Bool {
        try Self.validate(password: password)
        return try database.withConnection { connection in
            try connection.transaction { tx in
                let result = try tx.query("""
                    UPDATE users SET password_hash = crypt($2, gen_salt('bf', $3::int)), updated_at = now()
                    WHERE lower(name) = lower($1) RETURNING id
                    """, [name, password, String(bcryptCost)])
                guard let id = result.rows.first?[0] else { return false }
                try tx.query("DELETE FROM sessions WHERE user_id = $1", [id])
                return true
            }
        }
    }

    /// Changes a role; refuses to leave the console without an admin.
    public func setRole(name: String, role: Role) throws -> User? {
        try database.withConnection { connection in
            try connection.transaction { tx in
                try Self.lockAdmins(tx)
                guard let user = try Self.decodeUsers(try tx.query(
                    "SELECT \(Self.userColumns) FROM users WHERE lower(name) = lower($1) FOR UPDATE", [name])).first else { return nil }
                if role == .ingest { throw Refusal("ingest is a role for API tokens, not users") }
                if role == .admin && user.tenant != nil {
                    throw Refusal("'\(user.name)' is bound to tenant '\(user.tenant!)' and cannot be an admin")
                }
                if user.role == .admin && role != .admin { try Self.requireAnotherAdmin(tx, besides: user.id) }
                return try Self.decodeUsers(try tx.query(
                    "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING \(Self.userColumns)",
                    [String(user.id), role.rawValue])).first
            }
        }
    }

    /// Removes a user and their sessions; refuses to remove the last admin.
    public func removeUser(name: String) throws -> Bool {
        try database.withConnection { connection in
            try connection.transaction { tx in
                try Self.lockAdmins(tx)
                guard let user = try Self.decodeUsers(try tx.query(
                    "SELECT \(Self.userColumns) FROM users WHERE lower(name) = lower($1) FOR UPDATE", [name])).first else { return false }
                if user.role == .admin { try Self.requireAnotherAdmin(tx, besides: user.id) }
                return try tx.query("DELETE FROM users WHERE id = $1", [String(user.id)]).affectedRows == 1
            }
        }
    }

    /// Two admins demoting each other at once must not both succeed.
    static func lockAdmins(_ tx: PostgresConnection) throws {
        try tx.query("SELECT pg_advisory_xact_lock(hashtext('lookout-admins'))")
    }

    static func requireAnotherAdmin(_ tx: PostgresConnection, besides id: Int) throws {
        let others = try tx.query("SELECT count(*) AS n FROM users WHERE role = 'admin' AND id <> $1", [String(id)])
        guard (try others.int(0, "n") ?? 0) > 0 else {
            throw Refusal("this is the last admin: make another admin first, or nobody could manage users", status: 409)
        }
    }

    static func decodeUsers(_ result: PostgresResult) throws -> [User] {
        try result.rows.indices.map { row in
            User(id: try result.int(row, "id") ?? 0, name: try result.string(row, "name") ?? "",
                 role: Role(rawValue: try result.string(row, "role") ?? "") ?? .viewer,
                 tenant: try result.string(row, "tenant"), createdAt: try result.string(row, "created_at") ?? "")
        }
    }

    /// The user when `password` is theirs. The hash is computed by the database and compared
    /// here in constant time; an unknown name costs the same bcrypt work as a known one, so
    /// timing does not tell which names exist.
    public func verify(name: String, password: String) throws -> User? {
        guard password.utf8.count <= 72, !password.utf8.contains(0), name.utf8.count <= 200 else { return nil }
        let result = try database.withConnection { try $0.query("""
            SELECT u.id, u.name, u.role, u.tenant, '' AS created_at, u.password_hash,
                   crypt($2, coalesce(u.password_hash, $3)) AS computed
            FROM (SELECT 1) one LEFT JOIN users u ON lower(u.name) = lower($1)
            """, [name, password, Self.decoyHash]) }
        guard let stored = try result.string(0, "password_hash"), let computed = try result.string(0, "computed"),
              Secrets.constantTimeEquals(stored, computed) else { return nil }
        return try Self.decodeUsers(result).first
    }

    /// A bcrypt hash (cost 12) of a random string nobody knows, to spend an unknown name's time on.
    static let decoyHash = "$2a$12$6kYQqkFz0bYvYp0t8sQ7MeYy2XbqS8mJ1uA0Qq2fK0r4b8iWcH1aS"
}

extension String {
    /// True when the string is 1...`max` ASCII characters from `allowed` (ranges like "A-Z"),
    /// its first from `first`.
    func wholeMatch(ascii allowed: String, first: String, max: Int) -> Bool {
        let bytes = Array(utf8)
        guard !bytes.isEmpty, bytes.count <= max else { return false }
        let set = Self.byteSet(allowed), firstSet = Self.byteSet(first)
        return firstSet.contains(bytes[0]) && bytes.allSatisfy(set.contains)
    }

    private static func byteSet(_ spec: String) -> Set<UInt8> {
        let chars = Array(spec.utf8)
        var set = Set<UInt8>()
        var index = 0
        while index < chars.count {
            if index + 2 < chars.count, chars[index + 1] == UInt8(ascii: "-") {
                for byte in chars[index]...chars[index + 2] { set.insert(byte) }
                index += 3
            } else {
                set.insert(chars[index])
                index += 1
            }
        }
        return set
    }
}
