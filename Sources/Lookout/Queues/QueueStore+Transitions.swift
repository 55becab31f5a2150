import Postgres

/// The status transitions of docs/queue-protocol.md. Each is one conditional statement (plus
/// its job log) in one transaction: whoever's update matches owns the change.
extension QueueStore {
    public struct EnqueuedJob: Sendable {
        public let id: Int
        public let queue: String
        public let payload: String
        public let attempts: Int
        public let maxAttempts: Int
    }

    /// Producer step 1: the job row and its `enqueued` log, committed together.
    public func enqueue(queue: String, payload: String, tenant: String? = nil) throws -> EnqueuedJob {
        try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                let result = try tx.query("""
                    INSERT INTO jobs (queue, payload, tenant, max_attempts)
                    SELECT $1, $2::jsonb, $3, max_attempts FROM job_queues WHERE name = $1
                    RETURNING id, max_attempts
                    """, [queue, payload, tenant])
                guard let id = try result.rows.isEmpty ? nil : result.int(0, "id") else {
                    throw QueueError.unknownQueue(queue)
                }
                try tx.query("INSERT INTO job_logs (job_id, queue, event) VALUES ($1, $2, 'enqueued')", [String(id), queue])
                return EnqueuedJob(id: id, queue: queue, payload: payload, attempts: 0, maxAttempts: try result.int(0, "max_attempts") ?? 1)
            }
        }
    }

    /// Worker step 3: claims a waiting job; nil when someone else owns it or it is gone.
    public func claim(_ id: Int, worker: String, leaseSeconds: Int = 300) throws -> EnqueuedJob? {
        try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                let result = try tx.query("""
                    UPDATE jobs SET status = 'active', attempts = attempts + 1, started_at = now(), worker_id = $2,
                           lease_until = now() + make_interval(secs => $3::int), updated_at = now()
                    WHERE id = $1 AND status = 'waiting'
                    RETURNING queue, payload::text AS payload, attempts, max_attempts
                    """, [String(id), worker, String(leaseSeconds)])
                guard !result.isEmpty else { return nil }
                let queue = try result.string(0, "queue") ?? ""
                let attempts = try result.int(0, "attempts") ?? 1
                try tx.query("INSERT INTO job_logs (job_id, queue, attempt, event, worker_id) VALUES ($1, $2, $3, 'started', $4)",
                             [String(id), queue, String(attempts), worker])
                return EnqueuedJob(id: id, queue: queue, payload: try result.string(0, "payload") ?? "{}",
                                   attempts: attempts, maxAttempts: try result.int(0, "max_attempts") ?? 1)
            }
        }
    }

    /// Worker step 5, success. False when the job was no longer this worker's.
    public func complete(_ id: Int, worker: String, durationMilliseconds: Double) throws -> Bool {
        try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                let result = try tx.query("""
                    UPDATE jobs SET status = 'completed', finished_at = now(), lease_until = NULL, updated_at = now()
                    WHERE id = $1 AND status = 'active' AND worker_id = $2 RETURNING queue, attempts
                    """, [String(id), worker])
                guard !result.isEmpty else { return false }
                try tx.query("""
                    INSERT INTO job_logs (job_id, queue, attempt, event, worker_id, duration_ms) VALUES ($1, $2, $3, 'completed', $4, $5)
                    """, [String(id), try result.string(0, "queue"), try result.string(0, "attempts"), worker, String(durationMilliseconds)])
                return true
            }
        }
    }

    public enum FailureOutcome: Sendable, Equatable {
        case retryAt(epochSeconds: Double)
        case failed
        case notOwned
    }

    /// Worker step 5, failure: back off and retry while attempts remain, else `failed`.
    public func fail(_ id: Int, worker: String, error: String, stack: String?, durationMilliseconds: Double) throws -> FailureOutcome {
        try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                // Back-off: 2^attempts seconds, at most 10 minutes.
                let result = try tx.query("""
                    UPDATE jobs SET
                        status = CASE WHEN attempts < max_attempts THEN 'scheduled' ELSE 'failed' END,
                        run_at = CASE WHEN attempts < max_attempts
                                      THEN now() + make_interval(secs => least(600, power(2, attempts))) ELSE run_at END,
                        finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE now() END,
                        last_error = $3, last_stack = $4, lease_until = NULL, updated_at = now()
                    WHERE id = $1 AND status = 'active' AND worker_id = $2
                    RETURNING queue, attempts, status, extract(epoch FROM run_at)::float8 AS run_at
                    """, [String(id), worker, error, stack])
                guard !result.isEmpty else { return .notOwned }
                let status = try result.string(0, "status")
                try tx.query("""
                    INSERT INTO job_logs (job_id, queue, attempt, event, worker_id, message, stack, duration_ms)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    """, [String(id), try result.string(0, "queue"), try result.string(0, "attempts"),
                          status == "failed" ? "failed" : "retrying", worker, error, stack, String(durationMilliseconds)])
                return status == "failed" ? .failed : .retryAt(epochSeconds: try result.double(0, "run_at") ?? 0)
            }
        }
    }

    /// Failed jobs back to waiting with attempts reset. Returns the ids that changed: two
    /// operators retrying the same job get it once between them.
    public func retry(ids: [Int], actor: String) throws -> [(id: Int, queue: String, payload: String, maxAttempts: Int)] {
        guard !ids.isEmpty else { return [] }
        return try database.withConnection(scope: scope) { connection in
            try connection.transaction { tx in
                let result = try tx.query("""
                    WITH changed AS (
                        UPDATE jobs SET status = 'waiting', attempts = 0, run_at = now(), finished_at = NULL,
                               last_error = NULL, last_stack = NULL, worker_id = NULL, updated_at = now()
                        WHERE id = ANY($1::bigint[]) AND status = 'failed'
                        RETURNING id, queue, payload, max_attempts
                    ), logged AS (
                        INSERT INTO job_logs (job_id, queue, event, message)
                        SELECT id, queue, 'retried', $2 FROM changed
                    )
                    SELECT id, queue, payload::text AS payload, max_attempts FROM changed ORDER BY id
                    """, [Self.arrayLiteral(ids), "retried by \(actor)"])
                return try result.rows.indices.map { row in
                    (try result.int(row, "id") ?? 0, try result.string(row, "queue") ?? "",
                     try result.string(row, "payload") ?? "{}", try result.int(row, "max_attempts") ?? 1)
                }
            }
        }
    }

    /// Deletes jobs (any status); returns what was deleted so that Redis can follow.
    public func delete(ids: [Int]) throws -> [(id: Int, queue: String)] {
        guard !ids.isEmpty else { return [] }
        let result = try database.withConnection(scope: scope) { try $0.query(
            "DELETE FROM jobs WHERE id = ANY($1::bigint[]) RETURNING id, queue", [Self.arrayLiteral(ids)]) }
        return try result.rows.indices.map { (try result.int($0, "id") ?? 0, try result.string($0, "queue") ?? "") }
    }

    /// One batch of ids matching a status and an optional payload filter, after `after`
    /// (ascending): bulk actions walk every match this way, never only the visible page.
    public func matchingIDs(queue: String, status: JobStatus, payloadFilter: String?, after: Int, limit: Int) throws -> [Int] {
        let result = try database.withConnection(scope: scope) { try $0.query("""
            SELECT id FROM jobs WHERE queue = $1 AND status = $2 AND id > $3::bigint
              AND ($4::jsonb IS NULL OR payload @> $4::jsonb)
            ORDER BY id LIMIT $5
            """, [queue, status.rawValue, String(after), payloadFilter, String(limit)]) }
        return result.rows.compactMap { $0[0].flatMap { Int($0) } }
    }

    static func arrayLiteral(_ ids: [Int]) -> String {
        "{" + ids.map(String.init).joined(separator: ",") + "}"
    }
}

public enum QueueError: Error, CustomStringConvertible, Sendable {
    case unknownQueue(String)

    public var description: String {
        switch self {
        case .unknownQueue(let name): return "no queue named '\(name)'"
        }
    }
}
