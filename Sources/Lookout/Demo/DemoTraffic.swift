#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Net
import Postgres
import Redis
import Synchronization

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
    let running = Atomic<Bool>(true)
    let workers: Int

    public init(database: PostgresPool, redis: RedisPool, workers: Int = 3) {
        store = QueueStore(database: database)
        broker = QueueBroker(redis: redis)
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
            for _ in 0..<Int.random(in: 1...3) { batch.append(("email-sending", Self.emailPayload(kind: "campaign"))) }
            if Int.random(in: 0..<3) == 0 { batch.append(("email-sending:high", Self.emailPayload(kind: "transactional"))) }
            if tick % 5 == 0 { batch.append(("email-sending:low", Self.emailPayload(kind: "export"))) }
            if tick % 7 == 0 { batch.append(("warmup:process", "{\"inbox_id\": \(Int.random(in: 1...40)), \"step\": \"send-warmup\"}")) }
            if tick % 50 == 1 { batch.append(("analytics:daily-aggregate", "{\"report\": \"mrr\", \"day\": \"2026-11-22\", \"tenant_id\": \(Int.random(in: 1...9))}")) }
            if tick % 150 == 0 {   // a campaign launch: a burst of 150 jobs
                for _ in 0..<150 { batch.append(("email-sending", Self.emailPayload(kind: "campaign"))) }
            }
            do {
                var published: [(id: Int, queue: String, payload: String, attempts: Int, maxAttempts: Int)] = []
                for item in batch {
                    let job = try store.enqueue(queue: item.queue, payload: item.payload, tenant: Self.tenants.randomElement())
                    published.append((job.id, job.queue, job.payload, 0, job.maxAttempts))
                }
                try? broker.publish(published)   // Redis down: reconciliation publishes later
            } catch {
                StandardStreams.writeError("demo producer: \(error)\n")
                usleep(1_000_000)
            }
            usleep(200_000)
        }
    }

    static func emailPayload(kind: String) -> String {
        let user = Int.random(in: 1...50_000)
        return "{\"kind\": \"\(kind)\", \"campaign_id\": \(Int.random(in: 100...130)), \"recipient\": \"user\(user)@example.com\", "
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
        if let (message, stack) = Self.failure(for: job) {
            let outcome = try store.fail(id, worker: worker, error: message, stack: stack, durationMilliseconds: elapsed)
            if case .retryAt(let at) = outcome {
                try broker.finish(id, queue: queue, scheduleAt: at)
            } else {
                try broker.finish(id, queue: queue, scheduleAt: nil)
            }
        } else {
            _ = try store.complete(id, worker: worker, durationMilliseconds: elapsed)
            try broker.finish(id, queue: queue, scheduleAt: nil)
        }
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
