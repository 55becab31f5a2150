import Dispatch
import Foundation
import Lookout
import Postgres
import Redis
import Synchronization
import Testing

/// The hybrid queue on the real PostgreSQL and Redis (docs/queue-protocol.md).
@Suite("Queue protocol on real PostgreSQL and Redis", .serialized)
struct QueueProtocolTests {
    func produce(_ t: TestStores, _ queue: String, _ payload: String = "{\"n\": 1}", publish: Bool = true) throws -> Int {
        let job = try t.store.enqueue(queue: queue, payload: payload)
        if publish { try t.broker.publish([(job.id, job.queue, job.payload, 0, job.maxAttempts)]) }
        return job.id
    }

    @Test func migrationsApplyOnceAndTwoMigratorsDoNotRace() throws {
        let t = try TestStores(migrate: false)
        let applied = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let count = (try? Maintenance.migrate(t.settings).count) ?? -1
            applied.withLock { $0.append(count) }
        }
        let all = Migrator.bundled().count
        #expect(applied.withLock { $0.sorted() } == [0, all])
        #expect(try t.query("SELECT count(*) AS n FROM schema_migrations").int(0, "n") == all)
        #expect(try Maintenance.migrate(t.settings).isEmpty)
    }

    @Test func everyMigrationFileIsCompiledIn() throws {
        let folder = TestServices.packageRoot + "/Sources/Lookout/Storage/Migrations"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        let bundled = Migrator.bundled().map { String(repeating: "0", count: 4 - String($0.version).count) + "\($0.version)_\($0.name).sql" }
        #expect(files == bundled)
    }

    @Test func serveRefusesAnUnmigratedDatabaseWithExitCode2() throws {
        let t = try TestStores(migrate: false)
        let result = try runLookout(["serve", "--port", "0"], environment: ["LOOKOUT_DATABASE_URL": t.databaseURL])
        #expect(result.status == 2)
        #expect(result.stderr == "lookout: the database is at migration 0 of \(Migrator.bundled().count): run `lookout migrate` first\n")
    }

    @Test func producedJobsAreCountedWithoutCountStar() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        for _ in 0..<3 { _ = try produce(t, "mail") }
        var summary = try #require(try t.store.summaries().first)
        #expect(summary.name == "mail" && summary.waiting == 3 && summary.failed == 0)
        #expect(summary.oldestWaitingSeconds != nil)
        #expect(try t.broker.readyLengths(["mail"]) == ["mail": 3])
        // Folding moves the deltas into the totals without changing what readers see.
        try t.query("SELECT fold_job_counts()")
        summary = try #require(try t.store.summaries().first)
        #expect(summary.waiting == 3)
        #expect(try t.query("SELECT count(*) AS n FROM job_count_deltas").int(0, "n") == 0)
    }

    @Test func aJobIsClaimedByOneWorkerOnly() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let id = try produce(t, "mail")
        let winners = Mutex<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            if (try? t.store.claim(id, worker: "w\(i)")) ?? nil != nil { winners.withLock { $0 += 1 } }
        }
        #expect(winners.withLock { $0 } == 1)
        let job = try #require(try t.store.job(id))
        #expect(job.status == .active && job.attempts == 1)
    }

    @Test func completionAndFailuresFollowTheProtocol() throws {
        let t = try TestStores()
        try t.store.defineQueue("agg", targetSeconds: 3600, maxAttempts: 2)
        let id = try produce(t, "agg")
        #expect(try t.broker.take(from: "agg", timeout: 1) == id)
        _ = try #require(try t.store.claim(id, worker: "w"))
        let first = try t.store.fail(id, worker: "w", error: "Division by zero in MRR calculation", stack: "at mrr.py:88", durationMilliseconds: 3)
        guard case .retryAt = first else { Issue.record("expected a retry, got \(first)"); return }
        #expect(try t.store.job(id)?.status == .scheduled)
        // Due now: reconciliation makes it runnable and publishes it.
        try t.query("UPDATE jobs SET run_at = now() - interval '1 second' WHERE id = $1", [String(id)])
        let report = try Reconciler(database: t.database, redis: t.redis, driftGraceSeconds: 0).runOnce()
        #expect(report.promoted == 1)
        _ = try #require(try t.store.claim(id, worker: "w"))
        #expect(try t.store.fail(id, worker: "w", error: "Division by zero in MRR calculation", stack: "at mrr.py:88", durationMilliseconds: 3) == .failed)
        let job = try #require(try t.store.job(id))
        #expect(job.status == .failed && job.attempts == 2 && job.lastError == "Division by zero in MRR calculation")
        #expect(try t.store.logs(forJob: id).map(\.event) == ["enqueued", "started", "retrying", "started", "failed"])
        #expect(try t.store.summaries().first?.failed == 1)
        // Someone else's job cannot be completed.
        #expect(try t.store.complete(id, worker: "other", durationMilliseconds: 1) == false)
    }

    @Test func twoOperatorsRetryingTheSameJobRequeueItOnce() throws {
        let t = try TestStores()
        try t.store.defineQueue("agg", targetSeconds: 3600, maxAttempts: 1)
        let id = try produce(t, "agg")
        _ = try t.broker.take(from: "agg", timeout: 1)
        _ = try t.store.claim(id, worker: "w")
        _ = try t.store.fail(id, worker: "w", error: "boom", stack: nil, durationMilliseconds: 1)
        try t.broker.finish(id, queue: "agg", scheduleAt: nil)
        let service = t.service()
        let messages = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            if case .done(let text) = try! service.retryFailed("agg", actor: "operator\(i)") { messages.withLock { $0.append(text) } }
        }
        #expect(messages.withLock { $0.sorted() } == ["Retried 0 failed jobs of agg.", "Retried 1 failed job of agg."])
        let job = try #require(try t.store.job(id))
        #expect(job.status == .waiting && job.attempts == 0 && job.lastError == nil)
        #expect(try t.redis.command(["LRANGE", "queue:agg", "0", "-1"]) == .array([.bulk(Array(String(id).utf8))]))
    }

    @Test func aWorkerFinishingWhileOperatorsActNeverDuplicatesOrResurrects() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60, maxAttempts: 1)
        // An operator cannot retry a job a worker is running.
        let running = try produce(t, "mail")
        _ = try t.broker.take(from: "mail", timeout: 1)
        _ = try t.store.claim(running, worker: "w")
        #expect(throws: (any Error).self) { try t.service().retryJob(running, actor: "op") }
        // Operator deletes while the worker runs: the worker's completion finds nothing to finish.
        _ = try t.service().deleteJob(running)
        #expect(try t.store.complete(running, worker: "w", durationMilliseconds: 1) == false)
        #expect(try t.store.job(running) == nil)
        // A worker failing a job while two operators retry it: exactly one retry wins, once.
        let flaky = try produce(t, "mail")
        _ = try t.broker.take(from: "mail", timeout: 1)
        _ = try t.store.claim(flaky, worker: "w")
        let retried = Mutex<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            if i == 0 {
                _ = try? t.store.fail(flaky, worker: "w", error: "boom", stack: nil, durationMilliseconds: 1)
            } else {
                for _ in 0..<200 {
                    if let job = try? t.store.retry(ids: [flaky], actor: "op\(i)"), !job.isEmpty {
                        retried.withLock { $0 += 1 }
                        break
                    }
                }
            }
        }
        #expect(retried.withLock { $0 } == 1)
        #expect(try t.store.job(flaky)?.status == .waiting)
        #expect(try t.store.logs(forJob: flaky).filter { $0.event == "retried" }.count == 1)
    }

    @Test func retryingAllFailedCoversEveryMatchNotOnePage() throws {
        let t = try TestStores()
        try t.store.defineQueue("bulk", targetSeconds: 60, maxAttempts: 1)
        try t.query("""
            INSERT INTO jobs (queue, payload, status, attempts, max_attempts, last_error, finished_at)
            SELECT 'bulk', jsonb_build_object('campaign_id', i % 2), 'failed', 1, 1, 'x', now() FROM generate_series(1, 2500) i
            """)
        let result = try t.service().retryFailed("bulk", payloadFilter: "{\"campaign_id\": 1}", actor: "op")
        guard case .done(let message) = result else { Issue.record("\(result)"); return }
        #expect(message == "Retried 1250 failed jobs of bulk.")
        #expect(try t.redis.command(["LLEN", "queue:bulk"]) == .integer(1250))
        let cleared = try t.service().deleteFailed("bulk")
        guard case .done(let deleted) = cleared else { Issue.record("\(cleared)"); return }
        #expect(deleted == "Deleted 1250 failed jobs from bulk.")
        let summary = try #require(try t.store.summaries().first)
        #expect(summary.failed == 0 && summary.waiting == 1250)
    }

    @Test func reconciliationRepublishesJobsRedisNeverSaw() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let published = try produce(t, "mail")
        let lost = try produce(t, "mail", publish: false)   // the producer died after its commit
        let report = try Reconciler(database: t.database, redis: t.redis, driftGraceSeconds: 0).runOnce()
        #expect(report.rebuiltQueues == ["mail"])
        // Oldest first: the right end of the list is what workers take next.
        #expect(try t.broker.take(from: "mail", timeout: 1) == published)
        #expect(try t.broker.take(from: "mail", timeout: 1) == lost)
    }

    @Test func reconciliationRecoversExpiredLeasesAndStaleInFlightIDs() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let crashed = try produce(t, "mail")
        _ = try t.broker.take(from: "mail", timeout: 1)
        _ = try t.store.claim(crashed, worker: "dead", leaseSeconds: 1)
        try t.query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1", [String(crashed)])
        let finished = try produce(t, "mail")
        _ = try t.broker.take(from: "mail", timeout: 1)
        _ = try t.store.claim(finished, worker: "w")
        _ = try t.store.complete(finished, worker: "w", durationMilliseconds: 1)   // then died before its LREM
        let report = try Reconciler(database: t.database, redis: t.redis, driftGraceSeconds: 0).runOnce()
        #expect(report.recovered == 1)
        #expect(report.staleActive >= 1)
        #expect(try t.store.job(crashed)?.status == .waiting)
        #expect(try t.broker.activeIDs("mail").isEmpty)
        #expect(try t.broker.take(from: "mail", timeout: 1) == crashed)
        #expect(try t.store.logs(forJob: crashed).map(\.event).contains("recovered"))
    }

    @Test func withRedisDownActionsLandInPostgreSQLAndReachRedisLater() throws {
        let t = try TestStores()
        try t.store.defineQueue("mail", targetSeconds: 60)
        let down = t.service(redisDown: true)
        let overview = try down.overview()
        #expect(overview.redisAvailable == false && overview.queues.count == 1)
        guard case .savedRedisPending = try down.setPaused("mail", true) else { Issue.record("expected pending"); return }
        #expect(try t.store.pausedQueues() == ["mail"])
        #expect(try t.broker.isPaused("mail") == false)
        try Reconciler(database: t.database, redis: t.redis, driftGraceSeconds: 0).runOnce()
        #expect(try t.broker.isPaused("mail") == true)
    }

    @Test func unknownQueuesAre404s() throws {
        let t = try TestStores()
        #expect(throws: (any Error).self) { try t.service().setPaused("nope", true) }
        #expect(throws: (any Error).self) { try t.store.enqueue(queue: "nope", payload: "{}") }
    }
}
