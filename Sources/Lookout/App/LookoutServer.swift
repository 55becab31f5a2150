#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Net
import Postgres
import Redis
import Templates
import Synchronization
import Web

/// Wires the application: pools, templates, routes, and the HTTP server.
public final class LookoutServer: Sendable {
    public let settings: ServeSettings
    let server: HTTPServer
    let reconciler: Reconciler
    let demo: DemoTraffic?
    let access: AccessService
    let logs: LogStore
    let selfLog: SelfLog?
    /// Every route, for tests that walk them all.
    public let routes: [(method: String, pattern: String)]
    let running = Atomic<Bool>(true)

    public init(settings: ServeSettings, demo: Bool = false) throws {
        self.settings = settings
        let templates: TemplateLibrary
        do {
            templates = try TemplateLibrary(directory: settings.resources + "/Templates")
        } catch {
            throw SettingsError("template error: \(error)")
        }
        let pages = Pages(templates: templates)
        let database = PostgresPool(url: settings.databaseURL, size: settings.databasePoolSize,
                                    statementTimeout: settings.statementTimeoutMilliseconds)
        let redis = RedisPool(url: settings.redisURL)
        let health = HealthService(database: database, redis: redis)
        let statics = try StaticFiles(root: settings.resources + "/Public")
        reconciler = Reconciler(database: database, redis: redis)
        let audit = AuditLog(database: database)
        access = AccessService(store: AccessStore(database: database), audit: audit, settings: settings.access)
        var logStore = LogStore(database: database)
        logStore.searchTimeoutMilliseconds = settings.logSearchTimeoutMilliseconds
        logStore.exportDatabase = PostgresPool(url: settings.databaseURL, size: 2, statementTimeout: settings.statementTimeoutMilliseconds)
        logs = logStore
        let stdoutLog: AccessLogSink? = settings.accessLog ? JSONLinesAccessLog() : nil
        selfLog = settings.selfLog ? SelfLog(store: logs, next: stdoutLog) : nil
        let queues = QueueService(store: QueueStore(database: database), broker: QueueBroker(redis: redis), reconciler: reconciler)
        self.demo = demo ? DemoTraffic(database: database, redis: redis) : nil

        var router = Router()
        router.get("/public/*path") { request in
            let raw = request.http.path.dropFirst("/public/".count)
            return try statics.response(rawPath: raw, request: request)
        }
        router.get("/favicon.ico") { request in try statics.response(rawPath: "favicon.svg", request: request) }
        SignInRoutes(pages: pages, access: access).register(in: &router)
        AdminRoutes(pages: pages, access: access).register(in: &router)
        HealthRoutes(health: health).register(in: &router)
        OverviewRoutes(pages: pages, health: health).register(in: &router)
        QueueRoutes(pages: pages, service: queues, audit: audit).register(in: &router)
        let payloads = PayloadView(redactedFields: settings.redactedFields)
        JobRoutes(pages: pages, service: queues, payloads: payloads, audit: audit).register(in: &router)
        LogRoutes(pages: pages, store: logs, ingester: LogIngester(store: logs, retentionDays: settings.logRetentionDays),
                  payloads: payloads, maxIngestBytes: settings.maxIngestBytes, now: { UTCTime.now() },
                  exports: ExportSlots(limit: 2)).register(in: &router)

        routes = router.table
        let application = WebApplication(router: router, middleware: [SameOriginGuard(), AccessMiddleware(access: access)], errors: ErrorResponder(pageRenderer: pages),
                                         defaultHeaders: SecurityHeaders.all)
        server = try HTTPServer(configuration: settings.server, responder: application,
                                accessLog: selfLog ?? stdoutLog)
    }

    /// Binds and starts serving; returns the bound address.
    public func start() throws -> SocketAddress {
        let address = try server.start()
        try demo?.start()
        if let selfLog {
            OSThread.spawn(name: "self-log") { [self] in
                while running.load(ordering: .relaxed) {
                    usleep(1_000_000)
                    selfLog.ship()
                }
                selfLog.ship()
            }
        }
        OSThread.spawn(name: "reconciler") { [self] in
            // Folds counters and repairs PostgreSQL/Redis gaps every 2 s; a store that is down
            // only makes one round fail (docs/queue-protocol.md, "Reconciliation").
            var round = 0
            while running.load(ordering: .relaxed) {
                _ = try? reconciler.runOnce()
                if round % 300 == 0 {
                    try? access.store.purgeSessions(maxSeconds: access.settings.maxSeconds)
                    // Retention: whole days dropped; today's and tomorrow's partitions made ahead.
                    _ = try? logs.maintain(retentionDays: settings.logRetentionDays, now: UTCTime.now())
                }
                round += 1
                usleep(2_000_000)
            }
        }
        return address
    }

    public func beginShutdown() {
        running.store(false, ordering: .relaxed)
        demo?.stop()
        server.beginShutdown()
    }
    public func waitUntilStopped() { server.waitUntilStopped() }
}
