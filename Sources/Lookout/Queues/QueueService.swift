import Postgres
import Redis
import Web

/// What the console and the API do to queues: both stores, in the protocol's order
/// (PostgreSQL first; Redis follows, or reconciliation brings it up to date later).
public struct QueueService: Sendable {
    let store: QueueStore
    let broker: QueueBroker
    let reconciler: Reconciler

    public init(store: QueueStore, broker: QueueBroker, reconciler: Reconciler) {
        self.store = store
        self.broker = broker
        self.reconciler = reconciler
    }

    /// The same service with every store access confined to `scope`.
    public func scoped(_ scope: TenantScope) -> QueueService {
        QueueService(store: store.scoped(scope), broker: broker, reconciler: reconciler)
    }

    public struct Overview: Sendable {
        public let queues: [QueueSummary]
        /// False when Redis did not answer: the counts are PostgreSQL's alone.
        public let redisAvailable: Bool
    }

    /// Every queue with PostgreSQL's counts and, when Redis answers, what Redis holds.
    public func overview() throws -> Overview {
        var queues = try store.summaries()
        guard let ready = try? broker.readyLengths(queues.map(\.name)) else {
            return Overview(queues: queues, redisAvailable: false)
        }
        // Redis's lists hold every tenant's ids: set against one tenant's counts they would
        // look like drift. Drift is shown to those who see all tenants.
        guard store.scope == .all else { return Overview(queues: queues, redisAvailable: true) }
        for index in queues.indices {
            queues[index].redisReady = ready[queues[index].name] ?? 0
            queues[index].driftConfirmed = reconciler.isDriftConfirmed(queues[index].name)
        }
        return Overview(queues: queues, redisAvailable: true)
    }

    public enum ActionResult: Sendable {
        case done(String)
        /// Stored in PostgreSQL; Redis could not be told and will be brought up to date.
        case savedRedisPending(String)
    }

    public func setPaused(_ queue: String, _ paused: Bool) throws -> ActionResult {
        guard let mirrored = try store.setPaused(queue, paused, mirror: { try broker.setPaused(queue, $0) }) else {
            throw HTTPError.notFound("no queue named '\(queue)'")
        }
        let verb = paused ? "paused" : "resumed"
        return mirrored ? .done("Queue \(queue) \(verb).")
            : .savedRedisPending("Queue \(queue) \(verb) in PostgreSQL; Redis is unreachable and will follow when it is back.")
    }

    /// An admin's change to a queue's thresholds: the target processing time its oldest
    /// waiting job is judged against, and the attempts a new job gets.
    public func updateSettings(_ queue: String, targetSeconds: Int, maxAttempts: Int) throws -> ActionResult {
        guard try store.updateSettings(queue, targetSeconds: targetSeconds, maxAttempts: maxAttempts) else {
            throw HTTPError.notFound("no queue named '\(queue)'")
        }
        return .done("Queue \(queue): target time \(targetSeconds) s, \(maxAttempts) attempt\(maxAttempts == 1 ? "" : "s") per job.")
    }

    /// Rebuilds the queue's ready list in Redis from PostgreSQL's waiting jobs.
    public func repair(_ queue: String) throws -> ActionResult {
        guard try store.queueExists(queue) else { throw HTTPError.notFound("no queue named '\(queue)'") }
        _ = try reconciler.removeStaleActive(queue)
        try reconciler.rebuild(queue)
        return .done("Rebuilt the Redis list of \(queue) from PostgreSQL.")
    }

    /// Deletes every failed job of a queue that matches the filter, in batches of 1,000.
    public func deleteFailed(_ queue: String, payloadFilter: String? = nil) throws -> ActionResult {
        let (total, redisMissed) = try forEachFailedBatch(queue, payloadFilter: payloadFilter) { ids in
            let deleted = try store.delete(ids: ids)
            return (deleted.count, { try broker.drop(deleted) })
        }
        let message = "Deleted \(total) failed job\(total == 1 ? "" : "s") from \(queue)."
        return redisMissed ? .savedRedisPending(message + " Redis was unreachable; its copies expire within 24 h.") : .done(message)
    }

    /// Retries every failed job of a queue that matches the filter, in batches of 1,000.
    public func retryFailed(_ queue: String, payloadFilter: String? = nil, actor: String) throws -> ActionResult {
        let (total, redisMissed) = try forEachFailedBatch(queue, payloadFilter: payloadFilter) { ids in
            let retried = try store.retry(ids: ids, actor: actor)
            return (retried.count, { try broker.publish(retried.map { ($0.id, $0.queue, $0.payload, 0, $0.maxAttempts) }) })
        }
        let message = "Retried \(total) failed job\(total == 1 ? "" : "s") of \(queue)."
        return redisMissed ? .savedRedisPending(message + " Redis was unreachable; they are published when it is back.") : .done(message)
    }

    /// Walks every failed job that matches, 1,000 ids at a time (keyset, ascending): `batch`
    /// changes PostgreSQL and returns how many rows it changed and the Redis step to follow.
    /// Returns the total and whether any Redis step failed (reconciliation catches up).
    private func forEachFailedBatch(_ queue: String, payloadFilter: String?,
                                    _ batch: ([Int]) throws -> (Int, () throws -> Void)) throws -> (total: Int, redisMissed: Bool) {
        guard try store.queueExists(queue) else { throw HTTPError.notFound("no queue named '\(queue)'") }
        var total = 0
        var redisMissed = false
        var after = 0
        while true {
            let ids = try store.matchingIDs(queue: queue, status: .failed, payloadFilter: payloadFilter, after: after, limit: 1000)
            guard let last = ids.last else { break }
            after = last
            let (changed, followInRedis) = try batch(ids)
            total += changed
            do { try followInRedis() } catch { redisMissed = true }
        }
        return (total, redisMissed)
    }

    /// Retries one failed job: attempts reset, back to waiting, published.
    public func retryJob(_ id: Int, actor: String) throws -> ActionResult {
        guard let job = try store.job(id) else { throw HTTPError.notFound("no job \(id)") }
        guard job.status == .failed else {
            throw HTTPError(409, "job \(id) is \(job.status.rawValue), not failed: only failed jobs can be retried")
        }
        let retried = try store.retry(ids: [id], actor: actor)
        guard !retried.isEmpty else { throw HTTPError(409, "job \(id) was changed by someone else meanwhile") }
        do {
            try broker.publish(retried.map { ($0.id, $0.queue, $0.payload, 0, $0.maxAttempts) })
            return .done("Job \(id) is waiting again, attempts reset.")
        } catch {
            return .savedRedisPending("Job \(id) is waiting again in PostgreSQL; Redis is unreachable and will get it when it is back.")
        }
    }

    /// Deletes one job from both stores; returns its queue.
    public func deleteJob(_ id: Int) throws -> (queue: String, result: ActionResult) {
        guard let deleted = try store.delete(ids: [id]).first else { throw HTTPError.notFound("no job \(id)") }
        do {
            try broker.drop([deleted])
            return (deleted.queue, .done("Job \(id) deleted."))
        } catch {
            return (deleted.queue, .savedRedisPending("Job \(id) deleted from PostgreSQL; Redis is unreachable, its copy expires within 24 h and no worker can run it."))
        }
    }

    public func summary(_ queue: String) throws -> QueueSummary {
        guard let summary = try overview().queues.first(where: { $0.name == queue }) else {
            throw HTTPError.notFound("no queue named '\(queue)'")
        }
        return summary
    }

    public func jobs(queue: String, status: JobStatus, before: Int?, limit: Int, payloadFilter: String?) throws -> [JobRecord] {
        try store.jobs(queue: queue, status: status, before: before, limit: limit, payloadFilter: payloadFilter)
    }

    public func job(_ id: Int) throws -> (JobRecord, [JobLogEntry]) {
        guard let job = try store.job(id) else { throw HTTPError.notFound("no job \(id)") }
        return (job, try store.logs(forJob: id))
    }
}
