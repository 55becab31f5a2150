import Foundation
import Lookout
import Postgres
import Testing
import TestSupport

@Suite("Tenants: row-level security keeps tenant A out of tenant B's rows", .serialized)
struct TenantTests {
    /// Queue "mail" with, per tenant, `failed` failed jobs and one waiting job.
    func jobs(_ t: TestStores, tenant: String, failed: Int) throws -> (failed: [Int], waiting: Int) {
        var ids: [Int] = []
        for index in 0..<failed {
            let job = try t.store.enqueue(queue: "mail", payload: #"{"tenant": "\#(tenant)", "n": \#(index)}"#, tenant: tenant)
            _ = try t.store.claim(job.id, worker: "w")
            _ = try t.store.fail(job.id, worker: "w", error: "boom \(tenant)", stack: nil, durationMilliseconds: 1)
            ids.append(job.id)
        }
        let waiting = try t.store.enqueue(queue: "mail", payload: "{}", tenant: tenant)
        return (ids, waiting.id)
    }

    @Test func everyRouteOfTenantAIsBlindToTenantB() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60, maxAttempts: 1)
        let a = try jobs(t, tenant: "a", failed: 2)
        let b = try jobs(t, tenant: "b", failed: 3)
        _ = try t.query("SELECT fold_job_counts()")
        let (server, port) = try startLookout(redisURL: t.redisURLText, databaseURL: t.databaseURL)
        defer { server.beginShutdown(); server.waitUntilStopped() }
        let access = AccessStore(database: t.database, bcryptCost: 4)
        let operatorA = Auth.bearer(try access.createToken(name: "a-ops", role: .operator, tenant: "a", createdBy: "test").secret)

        // Counts and lists are A's own.
        let queues = try get(port, "/api/v1/queues", auth: operatorA).text
        #expect(queues.contains("\"failed\":2") && queues.contains("\"waiting\":1"))
        let page = try get(port, "/dashboard/system/queues/mail?status=failed", auth: operatorA).text
        for id in a.failed { #expect(page.contains("/dashboard/system/jobs/\(id)\"")) }
        for id in b.failed { #expect(!page.contains("/dashboard/system/jobs/\(id)\"")) }
        let listed = try get(port, "/api/v1/queues/mail/jobs?status=failed", auth: operatorA).text
        #expect(!listed.contains("\"tenant\":\"b\"") && listed.contains("\"tenant\":\"a\""))

        // Every route that takes a job id, with B's id: as if it did not exist.
        var checked = 0
        for (method, pattern) in server.routes where pattern.contains(":id") && !pattern.contains("/admin/") {
            let path = concrete(pattern, job: b.failed[0]) + (pattern.hasSuffix("/confirm") ? "?action=delete" : "")
            let response = try send(port, method, path, auth: operatorA)
            #expect(response.status == 404, "\(method) \(path) answered \(response.status)")
            #expect(!response.text.contains("boom b"))
            checked += 1
        }
        #expect(checked >= 8)
        #expect(try t.store.job(b.failed[0])?.status == .failed)
        // The same routes work on A's own job.
        #expect(try get(port, "/api/v1/jobs/\(a.failed[0])", auth: operatorA).status == 200)

        // Bulk actions reach A's failed jobs only.
        let retried = try send(port, "POST", "/api/v1/queues/mail/retry-failed", auth: operatorA)
        #expect(retried.text.contains("Retried 2 failed jobs"))
        let deleted = try send(port, "POST", "/api/v1/queues/mail/delete-failed", auth: operatorA)
        #expect(deleted.text.contains("Deleted 0 failed jobs"))
        for id in b.failed { #expect(try t.store.job(id)?.status == .failed) }
        for id in a.failed { #expect(try t.store.job(id)?.status == .waiting) }

        // Actions on a whole queue reach every tenant: refused to a tenant-bound principal.
        for action in ["pause", "resume", "repair"] {
            let refused = try send(port, "POST", "/api/v1/queues/mail/\(action)", auth: operatorA)
            #expect(refused.status == 403 && refused.text.contains("limited to tenant 'a'"))
        }
        let audit = try AuditLog(database: t.database).entries(before: nil, limit: 5, actor: "token:a-ops", action: nil)
        #expect(audit.map(\.tenant) == Array(repeating: "a", count: audit.count) && audit.count == 2)
    }

    /// The isolation is PostgreSQL's, not a WHERE clause's: under the tenant role a query
    /// with no condition at all sees one tenant, and a forgotten tenant sees nothing.
    @Test func theDatabaseItselfEnforcesIsolation() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60, maxAttempts: 1)
        _ = try jobs(t, tenant: "a", failed: 2)
        let b = try jobs(t, tenant: "b", failed: 3)
        let role = try t.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'lookout_tenant'")
        #expect(try role.bool(0, "rolsuper") == false && role.bool(0, "rolbypassrls") == false)
        try t.database.withConnection { tx in
            do {
                try tx.query("BEGIN")
                try tx.query("SET LOCAL ROLE lookout_tenant")
                #expect(try tx.query("SELECT count(*) AS n FROM jobs").int(0, "n") == 0)
                try tx.query("SELECT set_config('lookout.tenant', 'a', true)")
                #expect(try tx.query("SELECT count(*) AS n FROM jobs").int(0, "n") == 3)
                #expect(try tx.query("SELECT count(*) AS n FROM jobs WHERE tenant = 'b'").int(0, "n") == 0)
                #expect(try tx.query("SELECT count(*) AS n FROM job_logs WHERE job_id = $1", [String(b.failed[0])]).int(0, "n") == 0)
                #expect(try tx.query("UPDATE jobs SET priority = 9").affectedRows == 3)
                #expect(try tx.query("DELETE FROM jobs WHERE tenant = 'b'").affectedRows == 0)
                #expect(try tx.query("SELECT coalesce(sum(delta), 0) AS n FROM job_count_deltas WHERE tenant = 'b'").int(0, "n") == 0)
                // Moving a row to another tenant is refused by WITH CHECK.
                #expect(throws: PostgresError.self) { try tx.query("UPDATE jobs SET tenant = 'b'") }
                try tx.query("ROLLBACK")
            }
        }
        #expect(try t.query("SELECT count(*) AS n FROM jobs WHERE tenant = 'b'").int(0, "n") == 4)
    }
}
