import Net
import Postgres
import Redis
import Synchronization

/// Repairs every gap a process can leave between its PostgreSQL write and its Redis write
/// (docs/queue-protocol.md, "Reconciliation"). Each step is idempotent and safe to run from
/// several processes at once.
public final class Reconciler: Sendable {
    let database: PostgresPool
    let store: QueueStore
    let broker: QueueBroker

    /// When each queue was first seen with Redis short of PostgreSQL, by the runs so far.
    let driftSince = Mutex<[String: UInt64]>([:])
    /// How long Redis must stay short before the ready list is rebuilt automatically.
    let driftGrace: UInt64

    public init(database: PostgresPool, redis: RedisPool, driftGraceSeconds: Double = 15) {
        self.database = database
        store = QueueStore(database: database)
        broker = QueueBroker(redis: redis)
        driftGrace = UInt64(driftGraceSeconds * 1e9)
    }

    /// Records this run's verdict per queue; returns the queues short for longer than the grace.
    func recordDrift(_ short: Set<String>) -> Set<String> {
        let now = MonotonicClock.now()
        return driftSince.withLock { since in
            since = since.filter { short.contains($0.key) }
            var due: Set<String> = []
            for queue in short {
                let first = since[queue] ?? now
                since[queue] = first
                if now - first >= driftGrace { due.insert(queue) }
            }
            return due
        }
    }

    /// True when the last run also found this queue short: a drift that outlived a producer's
    /// commit-to-push window, worth showing to an operator.
    public func isDriftConfirmed(_ queue: String) -> Bool {
        driftSince.withLock { $0[queue] != nil }
    }

    func forgetDrift(_ queue: String) {
        driftSince.withLock { $0[queue] = nil }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var recovered = 0
        public var promoted = 0
        public var staleActive = 0
        public var rebuiltQueues: [String] = []

        public var description: String {
            "recovered \(recovered) expired leases, made \(promoted) due retries runnable, removed \(staleActive) stale in-flight ids"
                + (rebuiltQueues.isEmpty ? "" : ", rebuilt \(rebuiltQueues.joined(separator: ", "))")
        }
    }

    /// PostgreSQL-only part: folds counters, recovers expired leases, promotes due retries.
    /// Returns the jobs that became waiting, for publishing.
    func repairDatabase(_ report: inout Report) throws -> [(id: Int, queue: String, payload: String, attempts: Int, maxAttempts: Int)] {
        try database.withConnection { connection in
            try connection.query("SELECT fold_job_counts()")
            let recovered = try connection.query("""
                WITH expired AS (
                    UPDATE jobs SET status = CASE WHEN attempts < max_attempts THEN 'waiting' ELSE 'failed' END,
                           run_at = now(), lease_until = NULL, updated_at = now(),
                           finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE now() END,
                           last_error = coalesce(last_error, 'worker stopped before finishing (lease expired)')
                    WHERE id IN (SELECT id FROM jobs WHERE status = 'active' AND lease_until < now() LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    RETURNING id, queue, payload, attempts, max_attempts, status, worker_id
                ), logged AS (
                    INSERT INTO job_logs (job_id, queue, attempt, event, worker_id, message)
                    SELECT id, queue, attempts, 'recovered', worker_id, 'lease expired' FROM expired
                )
                SELECT id, queue, payload::text AS payload, attempts, max_attempts FROM expired WHERE status = 'waiting'
                """)
            let promoted = try connection.query("""
                UPDATE jobs SET status = 'waiting', updated_at = now()
                WHERE id IN (SELECT id FROM jobs WHERE status = 'scheduled' AND run_at <= now() LIMIT 1000 FOR UPDATE SKIP LOCKED)
                RETURNING id, queue, payload::text AS payload, attempts, max_attempts
                """)
            report.recovered += recovered.affectedRows
            report.promoted += promoted.affectedRows
            var ready: [(id: Int, queue: String, payload: String, attempts: Int, maxAttempts: Int)] = []
            for result in [recovered, promoted] {
                for row in result.rows.indices {
                    ready.append((try result.int(row, "id") ?? 0, try result.string(row, "queue") ?? "",
                                  try result.string(row, "payload") ?? "{}", try result.int(row, "attempts") ?? 0,
                                  try result.int(row, "max_attempts") ?? 1))
                }
            }
            return ready
        }
    }

    /// Runs every step once. Redis being down stops only the Redis steps.
    @discardableResult
    public func runOnce() throws -> Report {
        var report = Report()
        let ready = try repairDatabase(&report)
        try broker.publish(ready)
        let summaries = try store.summaries()
        for summary in summaries {
            try store.syncPaused(summary.name) { try broker.setPaused(summary.name, $0) }
            report.staleActive += try removeStaleActive(summary.name)
        }
        let listed = try broker.readyLengths(summaries.map(\.name))
        let short = Set(summaries.filter { (listed[$0.name] ?? 0) < $0.waiting }.map(\.name))
        // A producer between its commit and its push makes Redis look short for a moment:
        // rebuild only what stays short for the grace period (operators can repair sooner).
        for queue in recordDrift(short).sorted() {
            try rebuild(queue)
            report.rebuiltQueues.append(queue)
        }
        return report
    }

    /// Ids in the in-flight list whose job is no longer active (the worker died after its
    /// PostgreSQL write, or the job was deleted).
    func removeStaleActive(_ queue: String) throws -> Int {
        let ids = try broker.activeIDs(queue)
        guard !ids.isEmpty else { return 0 }
        let result = try database.withConnection { try $0.query(
            "SELECT id FROM jobs WHERE id = ANY($1::bigint[]) AND status = 'active'", [QueueStore.arrayLiteral(ids)]) }
        let active = Set(result.rows.compactMap { $0[0].flatMap { Int($0) } })
        let stale = ids.filter { !active.contains($0) }
        for id in stale {
            try broker.finish(id, queue: queue, scheduleAt: nil)
        }
        return stale.count
    }

    /// Rebuilds a queue's ready list from PostgreSQL's waiting jobs, oldest first.
    public func rebuild(_ queue: String) throws {
        var ids: [Int] = []
        var after = 0
        while true {
            let batch = try store.matchingIDs(queue: queue, status: .waiting, payloadFilter: nil, after: after, limit: 10_000)
            ids.append(contentsOf: batch)
            guard batch.count == 10_000, let last = batch.last else { break }
            after = last
        }
        try broker.rebuild(queue, ids: ids)
        forgetDrift(queue)
    }
}
