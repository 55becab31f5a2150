import Postgres

extension PostgresPool {
    /// Runs `body` on a connection confined to `scope`. For one tenant (or for nobody) that
    /// is a transaction under the `lookout_tenant` role, which owns no table and cannot bypass
    /// row-level security, with `lookout.tenant` set for the policies (migration 0002): the
    /// database itself keeps other tenants' rows out, whatever SQL runs inside.
    func withConnection<T>(scope: TenantScope, _ body: (PostgresConnection) throws -> T) throws -> T {
        let tenant: String
        switch scope {
        case .all: return try withConnection(body)
        case .tenant(let name): tenant = name
        case .nobody: tenant = ""
        }
        return try withConnection { connection in
            try connection.transaction { tx in
                try tx.query("SELECT set_config('role', 'lookout_tenant', true), set_config('lookout.tenant', $1, true)", [tenant])
                return try body(tx)
            }
        }
    }
}
