import Postgres

/// The queue tables in PostgreSQL: what the console reads and the transitions it makes.
/// Every statement is parameterized; every status change is conditional (docs/queue-protocol.md).
public struct QueueStore: Sendable {
    let database: PostgresPool
    /// Whose rows this store sees and changes (row-level security; see PostgresPool+Scope).
    public private(set) var scope: TenantScope = .all

    public init(database: PostgresPool) {
        self.database = database
    }

    /// The same store confined to `scope`.
    public func scoped(_ scope: TenantScope) -> QueueStore {
        var copy = self
        copy.scope = scope
        return copy
    }

    static let jobColumns = """
        id, queue, tenant, status, payload::text AS payload, attempts, max_attempts,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
        to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
        to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at,
        to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS run_at,
        worker_id, last_error, last_stack
        """

    /// Every queue with its counts, in one statement whatever the number of queues: counts
    /// come from the trigger-kept counters, never from count(*).
    public func summaries() throws -> [QueueSummary] {
        let result = try database.withConnection(scope: scope) { try $0.query("""
            WITH counts AS (
                SELECT queue, status, sum(n)::bigint AS n FROM (
                    SELECT queue, status, n FROM job_counts
                    UNION ALL SELECT queue, status, delta FROM job_count_deltas
                ) c GROUP BY queue, status
            ), hour AS (
                SELECT queue, sum(completed)::bigint AS completed FROM (
                    SELECT queue, completed FROM job_throughput WHERE minute > now() - interval '1 hour'
                    UNION ALL SELECT queue, completed FROM job_throughput_deltas WHERE minute > now() - interval '1 hour'
                ) t GROUP BY queue
            )
            SELECT q.name, q.target_seconds, q.max_attempts, q.paused,
                   coalesce(max(c.n) FILTER (WHERE c.status = 'waiting'), 0) AS waiting,
                   coalesce(max(c.n) FILTER (WHERE c.status = 'scheduled'), 0) AS scheduled,
                   coalesce(max(c.n) FILTER (WHERE c.status = 'active'), 0) AS active,
                   coalesce(max(c.n) FILTER (WHERE c.status = 'failed'), 0) AS failed,
                   coalesce((SELECT completed FROM hour h WHERE h.queue = q.name), 0) AS completed_hour,
                   extract(epoch FROM now() - (SELECT j.run_at FROM jobs j
                        WHERE j.queue = q.name AND j.status = 'waiting' ORDER BY j.run_at LIMIT 1))::float8 AS oldest_wait
            FROM job_queues q LEFT JOIN counts c ON c.queue = q.name
            GROUP BY q.name, q.target_seconds, q.max_attempts, q.paused
            ORDER BY q.name
            """) }
        return try result.rows.indices.map { row in
            QueueSummary(name: try result.string(row, "name") ?? "",
                         targetSeconds: try result.int(row, "target_seconds") ?? 300,
                         maxAttempts: try result.int(row, "max_attempts") ?? 5,
                         paused: try result.bool(row, "paused") ?? false,
                         waiting: try result.int(row, "waiting") ?? 0,
                         scheduled: try result.int(row, "scheduled") ?? 0,
                         active: try result.int(row, "active") ?? 0,
                         failed: try result.int(row, "failed") ?? 0,
                         completedLastHour: try result.int(row, "completed_hour") ?? 0,
                         oldestWaitingSeconds: try result.double(row, "oldest_wait").map { max(0, $0) },
                         redisReady: nil)
        }
    }

    public func queueExists(_ name: String) throws -> Bool {
        try database.withConnection(scope: scope) { try !$0.query("SELECT 1 FROM job_queues WHERE name = $1", [name]).isEmpty }
    }

    /// Creates or updates a queue's settings.
    public func defineQueue(_ name: String, targetSeconds: Int, maxAttempts: Int = 5) throws {
        try database.withConnection(scope: scope) { connection in
            _ = try connection.query("""
                INSERT INTO job_queues (name, target_seconds, max_attempts) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO UPDATE SET target_seconds = excluded.target_seconds,
                    max_attempts = excluded.max_attempts, updated_at = now()
                """, [name, String(targetSeconds), String(maxAttempts)])
        }
    }

    /// Changes an existing queue's target time and attempt limit; false when there is no such queue.
    public func updateSettings(_ name: String, targetSeconds: Int, maxAttempts: Int) throws -> Bool {
        try database.withConnection(scope: scope) { connection in
            try connection.query("UPDATE job_queues SET target_seconds = $2, max_attempts = $3, updated_at = now() WHERE name = $1",
                                 [name, String(targetSeconds), String(maxAttempts)]).affectedRows == 1
        }
    }

    /// Sets the paused flag and, under the same per-queue lock, mirrors it to Redis with
    /// `mirror`; so a reconciliation running at the same moment cannot put back a stale flag.
    /// Returns nil when the queue does not exist, else whether the mirror succeeded.
    public func setPaused(_ name: String, _ paused: Bool, mirror: (Bool) throws -> Void) throws -> Bool? {
        try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                try tx.query("SELECT pg_advisory_xact_lock(hashtext('lookout-pause:' || $1))", [name])
                let changed = try tx.query("UPDATE job_queues SET paused = $2, updated_at = now() WHERE name = $1",
                                           [name, paused ? "true" : "false"]).affectedRows == 1
                guard changed else { return nil }
                return (try? mirror(paused)) != nil
            }
        }
    }

    /// Mirrors the stored flag of one queue to Redis under the pause lock (reconciliation).
    public func syncPaused(_ name: String, mirror: (Bool) throws -> Void) throws {
        try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                try tx.query("SELECT pg_advisory_xact_lock(hashtext('lookout-pause:' || $1))", [name])
                let result = try tx.query("SELECT paused FROM job_queues WHERE name = $1", [name])
                guard !result.isEmpty else { return }
                try mirror(try result.bool(0, "paused") ?? false)
            }
        }
    }

    public func pausedQueues() throws -> Set<String> {
        let result = try database.withConnection(scope: scope) { try $0.query("SELECT name FROM job_queues WHERE paused") }
        return Set(result.rows.compactMap { $0[0] })
    }

    /// Newest first, `limit` jobs older than `before` (keyset paging; no OFFSET), optionally
    /// only those whose payload contains `payloadFilter` (a JSON object, served by a GIN index).
    public func jobs(queue: String, status: JobStatus, before: Int?, limit: Int, payloadFilter: String?) throws -> [JobRecord] {
        let result = try database.withConnection(scope: scope) { try $0.query("""
            SELECT \(Self.jobColumns) FROM jobs
            WHERE queue = $1 AND status = $2 AND ($3::bigint IS NULL OR id < $3::bigint)
              AND ($5::jsonb IS NULL OR payload @> $5::jsonb)
            ORDER BY id DESC LIMIT $4
            """, [queue, status.rawValue, before.map(String.init), String(limit), payloadFilter]) }
        return try Self.decodeJobs(result)
    }

    public func job(_ id: Int) throws -> JobRecord? {
        let result = try database.withConnection(scope: scope) { try $0.query("SELECT \(Self.jobColumns) FROM jobs WHERE id = $1", [String(id)]) }
        return try Self.decodeJobs(result).first
    }

    public func logs(forJob id: Int) throws -> [JobLogEntry] {
        let result = try database.withConnection(scope: scope) { try $0.query("""
            SELECT attempt, event, worker_id, message, stack, duration_ms,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
            FROM job_logs WHERE job_id = $1 ORDER BY id
            """, [String(id)]) }
        return try result.rows.indices.map { row in
            JobLogEntry(attempt: try result.int(row, "attempt") ?? 0, event: try result.string(row, "event") ?? "",
                        workerID: try result.string(row, "worker_id"), message: try result.string(row, "message"),
                        stack: try result.string(row, "stack"), durationMilliseconds: try result.double(row, "duration_ms"),
                        createdAt: try result.string(row, "created_at") ?? "")
        }
    }

    static func decodeJobs(_ result: PostgresResult) throws -> [JobRecord] {
        try result.rows.indices.map { row in
            JobRecord(id: try result.int(row, "id") ?? 0, queue: try result.string(row, "queue") ?? "",
                      tenant: try result.string(row, "tenant"),
                      status: JobStatus(rawValue: try result.string(row, "status") ?? "") ?? .waiting,
                      payload: try result.string(row, "payload") ?? "{}",
                      attempts: try result.int(row, "attempts") ?? 0, maxAttempts: try result.int(row, "max_attempts") ?? 1,
                      createdAt: try result.string(row, "created_at") ?? "", updatedAt: try result.string(row, "updated_at") ?? "",
                      startedAt: try result.string(row, "started_at"), finishedAt: try result.string(row, "finished_at"),
                      runAt: try result.string(row, "run_at") ?? "", workerID: try result.string(row, "worker_id"),
                      lastError: try result.string(row, "last_error"), lastStack: try result.string(row, "last_stack"))
        }
    }
}
