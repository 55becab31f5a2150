import HTTP
import Net
import Postgres
import Redis
import Templates
import Web

/// Wires the application: pools, templates, routes, and the HTTP server.
public final class LookoutServer: Sendable {
    public let settings: ServeSettings
    let server: HTTPServer

    public init(settings: ServeSettings) throws {
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

        var router = Router()
        router.get("/public/*path") { request in
            let raw = request.http.path.dropFirst("/public/".count)
            return try statics.response(rawPath: raw, request: request)
        }
        router.get("/favicon.ico") { request in try statics.response(rawPath: "favicon.svg", request: request) }
        HealthRoutes(health: health).register(in: &router)
        OverviewRoutes(pages: pages, health: health).register(in: &router)

        let application = WebApplication(router: router, errors: ErrorResponder(pageRenderer: pages),
                                         defaultHeaders: SecurityHeaders.all)
        server = try HTTPServer(configuration: settings.server, responder: application,
                                accessLog: settings.accessLog ? JSONLinesAccessLog() : nil)
    }

    /// Binds and starts serving; returns the bound address.
    public func start() throws -> SocketAddress {
        try server.start()
    }

    public func beginShutdown() { server.beginShutdown() }
    public func waitUntilStopped() { server.waitUntilStopped() }
}
