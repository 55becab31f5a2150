#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Lookout
import Testing

@Suite("lookout demo's producers and workers", .serialized)
struct DemoTrafficTests {
    @Test func workersHonourPauseAndTheAnalyticsQueueFailsAsInTheSeed() throws {
        let t = try TestStores()
        for queue in DemoTraffic.queues {
            try t.store.defineQueue(queue.name, targetSeconds: queue.targetSeconds, maxAttempts: queue.maxAttempts)
        }
        guard case .done = try t.service().setPaused("email-sending:low", true) else { Issue.record("pause failed"); return }
        let demo = DemoTraffic(database: t.database, redis: t.redis)
        try demo.start()
        defer { demo.stop() }
        let reconciler = Reconciler(database: t.database, redis: t.redis, driftGraceSeconds: 15)
        var failed: [JobRecord] = []
        for _ in 0..<40 {   // up to 20 s: the analytics job fails, is retried after 2 s, fails for good
            usleep(500_000)
            try reconciler.runOnce()
            failed = try t.store.jobs(queue: "analytics:daily-aggregate", status: .failed, before: nil, limit: 5, payloadFilter: nil)
            if !failed.isEmpty { break }
        }
        let failedJob = try #require(failed.first)
        #expect(failedJob.lastError == "Division by zero in MRR calculation")
        #expect(failedJob.lastStack?.contains("ZeroDivisionError") == true)
        #expect(failedJob.attempts == 2)
        let low = try t.query("SELECT count(*) FILTER (WHERE status <> 'waiting') AS touched, count(*) AS total FROM jobs WHERE queue = 'email-sending:low'")
        #expect(try low.int(0, "total") ?? 0 > 0)
        #expect(try low.int(0, "touched") == 0)
        let summaries = try t.store.summaries()
        #expect(summaries.first { $0.name == "email-sending" }?.completedLastHour ?? 0 > 0)
        #expect(try t.redis.command(["EXISTS", "worker:demo-worker-0"]) == .integer(1))
    }
}
