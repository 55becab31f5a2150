import HTTP
import Templates
import Web

/// The landing page: the state of what Lookout depends on, refreshed every 5 seconds.
struct OverviewRoutes {
    let pages: Pages
    let health: HealthService

    func register(in router: inout Router) {
        router.get("/") { _ in .redirect(to: "/dashboard/system", status: 302) }
        router.get("/dashboard") { _ in .redirect(to: "/dashboard/system", status: 302) }
        router.get("/dashboard/system") { request in self.overview(request) }
    }

    func overview(_ request: Request) -> HTTPResponse {
        let labels = ["database": "PostgreSQL", "redis": "Redis"]
        let checks = health.checkAll()
        let cards: [TemplateValue] = checks.map { check in
            [
                "name": .string(labels[check.name] ?? check.name),
                "light": .string(check.healthy ? "green" : "red"),
                "status": .string(check.healthy ? "Healthy" : "Unreachable"),
                "responseTime": .string(String(format2: check.responseTimeMilliseconds)),
                "error": TemplateValue(check.error),
            ]
        }
        let healthy = checks.allSatisfy(\.healthy)
        var response = pages.render("overview", for: request, title: "System overview", section: .overview, live: true, data: [
            "cards": .list(cards),
            "healthy": .bool(healthy),
            "uptime": .string(Self.duration(health.uptimeSeconds)),
        ])
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}

extension String {
    /// "12.34" with two decimals, without Foundation's formatter.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
