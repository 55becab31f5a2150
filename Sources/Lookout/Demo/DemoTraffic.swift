#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Net
import Postgres
import Redis
import Synchronization
import Web

/// `lookout demo`: producers and workers that follow docs/queue-protocol.md on the five seed
/// queues, so a new user sees a live console within seconds. Email traffic is steady with a
/// burst every 30 s; workers honour pause; the analytics queue fails with seed 002's
/// "Division by zero in MRR calculation".
public final class DemoTraffic: Sendable {
    /// The seed queues (PRODUCT.md) and their target processing times.
    public static let queues: [(name: String, targetSeconds: Int, maxAttempts: Int)] = [
        ("email-sending:high", 60, 5),
        ("email-sending", 300, 5),
        ("email-sending:low", 1800, 3),
        ("analytics:daily-aggregate", 3600, 2),
        ("warmup:process", 900, 3),
    ]

    /// The demo's customers: every job belongs to one (seed 004's multi-tenant setting).
    public static let tenants = ["acme", "globex", "initech"]

    let store: QueueStore
    let broker: QueueBroker
    /// The demo's services write log lines too (api, smtp, queue, web), sharing request IDs
    /// and job IDs with the jobs, so the logs page has real stories to search.
    let logs: LogStore
    let pendingLogs = Mutex<[LogRecord]>([])
    let running = Atomic<Bool>(true)
    let workers: Int

    public init(database: PostgresPool, redis: RedisPool, workers: Int = 3) {
        store = QueueStore(database: database)
        broker = QueueBroker(redis: redis)
        logs = LogStore(database: database)
        self.workers = workers
    }

    public func start() throws {
        for queue in Self.queues {
            try store.defineQueue(queue.name, targetSeconds: queue.targetSeconds, maxAttempts: queue.maxAttempts)
        }
        OSThread.spawn(name: "demo-producer") { [self] in produceLoop() }
        for index in 0..<workers {
            OSThread.spawn(name: "demo-worker-\(index)") { [self] in workLoop(worker: "demo-worker-\(index)") }
        }
    }

    public func stop() { running.store(false, ordering: .relaxed) }

    // MARK: producing

    private func produceLoop() {
        var tick = 0
        while running.load(ordering: .relaxed) {
            tick += 1
            var batch: [(queue: String, payload: String)] = []
            // Each tick stands for one API request that queued its jobs.
            let request = "req-" + Secrets.randomHex(bytes: 6)
            let tenant = Self.tenants.randomElement()!
            let campaign = Int.random(in: 100...130)
            for _ in 0..<Int.random(in: 1...3) { batch.append(("email-sending", Self.emailPayload(kind: "campaign", request: request, campaign: campaign, tenant: tenant))) }
            if Int.random(in: 0..<3) == 0 { batch.append(("email-sending:high", Self.emailPayload(kind: "transactional", request: request, campaign: campaign, tenant: tenant))) }
            if tick % 5 == 0 { batch.append(("email-sending:low", Self.emailPayload(kind: "export", request: request, campaign: campaign, tenant: tenant))) }
            if tick % 7 == 0 { batch.append(("warmup:process", "{\"inbox_id\": \(Int.random(in: 1...40)), \"step\": \"send-warmup\"}")) }
            if tick % 50 == 1 { batch.append(("analytics:daily-aggregate", "{\"report\": \"mrr\", \"day\": \"2026-11-22\", \"tenant\": \"\(tenant)\", \"request_id\": \"\(request)\"}")) }
            if tick % 150 == 0 {   // a campaign launch: a burst of 150 jobs
                for _ in 0..<150 { batch.append(("email-sending", Self.emailPayload(kind: "campaign", request: request, campaign: campaign, tenant: tenant))) }
            }
            do {
                var published: [(id: Int, queue: String, payload: String, attempts: Int, maxAttempts: Int)] = []
                for item in batch {
                    let job = try store.enqueue(queue: item.queue, payload: item.payload, tenant: tenant)
                    published.append((job.id, job.queue, job.payload, 0, job.maxAttempts))
                }
                try? broker.publish(published)   // Redis down: reconciliation publishes later
                log(.info, "api", "POST /v1/campaigns/\(campaign)/send: \(batch.count) job\(batch.count == 1 ? "" : "s") queued",
                    request: request, user: "user\(Int.random(in: 1...400))@\(tenant).example", tenant: tenant)
                if tick % 40 == 0 {
                    log(.warning, "web", "slow page render: /campaigns/\(campaign)/report took \(Int.random(in: 1200...4000)) ms",
                        request: "req-" + Secrets.randomHex(bytes: 6), user: nil, tenant: tenant)
                }
                if tick % 5 == 0 { shipLogs() }
            } catch {
                StandardStreams.writeError("demo producer: \(error)\n")
                usleep(1_000_000)
            }
            usleep(200_000)
        }
    }

    static func emailPayload(kind: String, request: String, campaign: Int, tenant: String) -> String {
        let user = Int.random(in: 1...50_000)
        return "{\"kind\": \"\(kind)\", \"campaign_id\": \(campaign), \"request_id\": \"\(request)\", \"tenant\": \"\(tenant)\", \"recipient\": \"user\(user)@example.com\", "
            + "\"template\": \"black-friday-2026\", \"smtp_password\": \"demo-\(user)-secret\", \"api_key\": \"sk_demo_\(user)\"}"
    }

    // MARK: working

    private func workLoop(worker: String) {
        var lastBeat: UInt64 = 0
        while running.load(ordering: .relaxed) {
            let now = MonotonicClock.now()
            if now - lastBeat > 10_000_000_000 {
                try? broker.heartbeat(worker: worker, json: "{\"queues\": \(Self.queues.count), \"demo\": true}")
                lastBeat = now
            }
            var worked = false
            // Priority order: the seed list is already high -> normal -> low.
            for queue in Self.queues.map(\.name) {
                do {
                    if try broker.isPaused(queue) { continue }
                    guard let id = try broker.take(from: queue, timeout: 0.01) else { continue }
                    worked = true
                    try run(id, queue: queue, worker: worker)
                    break
                } catch {
                    usleep(500_000)   // Redis or PostgreSQL away: try again shortly
                }
            }
            if !worked { usleep(50_000) }
        }
    }

    private func run(_ id: Int, queue: String, worker: String) throws {
        guard let job = try store.claim(id, worker: worker, leaseSeconds: 60) else {
            try broker.finish(id, queue: queue, scheduleAt: nil)   // not ours: deleted, done, or claimed elsewhere
            return
        }
        let started = MonotonicClock.now()
        usleep(UInt32.random(in: 5_000...40_000))
        let elapsed = Double(MonotonicClock.now() - started) / 1e6
        let fields = Self.fields(job.payload)
        let service = queue.hasPrefix("email-sending") ? "smtp" : "queue"
        log(.debug, "queue", "\(worker) claimed job \(id) from \(queue)", request: fields.request, job: id, tenant: fields.tenant)
        if let (message, stack) = Self.failure(for: job) {
            log(.error, service, "job \(id) failed: \(message)", request: fields.request, job: id, tenant: fields.tenant, stack: stack)
            let outcome = try store.fail(id, worker: worker, error: message, stack: stack, durationMilliseconds: elapsed)
            if case .retryAt(let at) = outcome {
                try broker.finish(id, queue: queue, scheduleAt: at)
            } else {
                try broker.finish(id, queue: queue, scheduleAt: nil)
            }
        } else {
            _ = try store.complete(id, worker: worker, durationMilliseconds: elapsed)
            log(.info, service, fields.recipient.map { "delivered to \($0): 250 2.0.0 OK" } ?? "job \(id) done in \(Int(elapsed)) ms",
                request: fields.request, job: id, tenant: fields.tenant)
            try broker.finish(id, queue: queue, scheduleAt: nil)
        }
    }

    // MARK: logging

    func log(_ level: LogLevel, _ service: String, _ message: String, request: String?, user: String? = nil, job: Int? = nil,
             tenant: String?, stack: String? = nil) {
        let record = LogRecord(microseconds: UTCTime.now(), level: level, service: service, message: message, requestID: request,
                               userID: user, tenant: tenant, jobID: job, stack: stack, context: nil)
        pendingLogs.withLock { if $0.count < 50_000 { $0.append(record) } }
    }

    func shipLogs() {
        let batch = pendingLogs.withLock { lines -> [LogRecord] in
            defer { lines = [] }
            return lines
        }
        _ = try? logs.insert(batch)   // the database away: the demo's lines are not precious
    }

    /// The request ID, recipient and tenant a demo payload carries.
    static func fields(_ payload: String) -> (request: String?, recipient: String?, tenant: String?) {
        guard case .object(let pairs)? = try? JSONParser.parse(payload) else { return (nil, nil, nil) }
        func text(_ key: String) -> String? {
            if case .string(let value)? = pairs.first(where: { $0.0 == key })?.1 { return value }
            return nil
        }
        return (text("request_id"), text("recipient"), text("tenant"))
    }

    static func failure(for job: QueueStore.EnqueuedJob) -> (String, String)? {
        if job.queue == "analytics:daily-aggregate" {
            return ("Division by zero in MRR calculation", """
                ZeroDivisionError: division by zero
                  File "analytics/mrr.py", line 88, in monthly_recurring_revenue
                    return total_revenue / active_subscriptions
                  File "analytics/daily_aggregate.py", line 41, in run
                    metrics["mrr"] = monthly_recurring_revenue(day, tenant)
                  File "workers/runner.py", line 112, in execute
                    result = job.handler(**job.payload)
                """)
        }
        if job.queue.hasPrefix("email-sending"), Int.random(in: 0..<100) < 3 {
            return ("SMTP 421 4.7.0 Try again later, closing connection", """
                SMTPServerDisconnected: 421 4.7.0 Try again later
                  File "mailer/smtp.py", line 203, in deliver
                    self.connection.sendmail(sender, recipients, message)
                  File "workers/runner.py", line 112, in execute
                    result = job.handler(**job.payload)
                """)
        }
        return nil
    }
}
