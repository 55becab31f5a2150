import HTTP
import Postgres
import Web

/// Every action taken through Lookout: who, what, on which queue or job, when, from where.
/// Kept in PostgreSQL (migration 0002) and shown to admins.
public struct AuditLog: Sendable {
    let database: PostgresPool

    public init(database: PostgresPool) {
        self.database = database
    }

    public struct Entry: Sendable {
        public let id: Int
        public let at: String
        public let actor: String
        public let actorKind: String
        public let tenant: String?
        public let action: String
        public let target: String?
        public let detail: String?
        public let address: String?
        public let requestID: String?
    }

    /// Records what `request`'s principal did. The action has happened by now: if the
    /// database cannot take the record, the full record goes to stderr (the server log)
    /// rather than being lost or turning a done action into an error.
    func record(_ request: Request, action: String, target: String?, detail: String? = nil) {
        let principal = request.principal
        record(actor: principal?.actor ?? "anonymous", kind: principal?.actorKind ?? "anonymous", tenant: principal?.tenant,
               action: action, target: target, detail: detail, address: request.http.remoteAddress, requestID: request.requestID)
    }

    public func record(actor: String, kind: String, tenant: String?, action: String, target: String?, detail: String?,
                       address: String?, requestID: String?) {
        do {
            try database.withConnection { connection in
                _ = try connection.query("""
                    INSERT INTO audit_log (actor, actor_kind, tenant, action, target, detail, address, request_id)
                    VALUES ($1, $2, $3, $4, $5, left($6, 2000), $7, $8)
                    """, [actor, kind, tenant, action, target, detail, address, requestID])
            }
        } catch {
            let fields: [(String, String?)] = [("actor", actor), ("actor_kind", kind), ("tenant", tenant), ("action", action),
                                               ("target", target), ("detail", detail), ("address", address), ("request_id", requestID)]
            let body = fields.compactMap { key, value in value.map { "\"\(key)\":\"\(JSONText.escape($0))\"" } }.joined(separator: ",")
            StandardStreams.writeError("{\"level\":\"error\",\"service\":\"lookout\",\"message\":\"audit record not stored: \(JSONText.escape(String(describing: error)))\",\(body)}\n")
        }
    }

    /// Newest first, `limit` entries older than `before`, optionally of one actor or action.
    public func entries(before: Int?, limit: Int, actor: String?, action: String?) throws -> [Entry] {
        let result = try database.withConnection { try $0.query("""
            SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, actor, actor_kind, tenant,
                   action, target, detail, address, request_id
            FROM audit_log
            WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($3::text IS NULL OR actor = $3) AND ($4::text IS NULL OR action = $4)
            ORDER BY id DESC LIMIT $2
            """, [before.map(String.init), String(limit), actor, action]) }
        return try result.rows.indices.map { row in
            Entry(id: try result.int(row, "id") ?? 0, at: try result.string(row, "at") ?? "", actor: try result.string(row, "actor") ?? "",
                  actorKind: try result.string(row, "actor_kind") ?? "", tenant: try result.string(row, "tenant"),
                  action: try result.string(row, "action") ?? "", target: try result.string(row, "target"),
                  detail: try result.string(row, "detail"), address: try result.string(row, "address"),
                  requestID: try result.string(row, "request_id"))
        }
    }
}
