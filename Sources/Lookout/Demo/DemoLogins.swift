import Postgres

/// The sign-ins `lookout demo` prints: an admin, a viewer, and an operator bound to one
/// tenant, so each role can be tried at once. Re-running the demo resets their password to
/// the one printed.
public enum DemoLogins {
    public struct Login: Sendable {
        public let name: String
        public let role: Role
        public let tenant: String?
    }

    public static let logins = [
        Login(name: "demo", role: .admin, tenant: nil),
        Login(name: "viewer", role: .viewer, tenant: nil),
        Login(name: "acme-ops", role: .operator, tenant: DemoTraffic.tenants[0]),
    ]

    /// Creates or resets the demo users with `password` (random when nil); returns it.
    public static func ensure(_ settings: DatabaseSettings, password: String?) throws -> String {
        let password = password ?? "demo-" + Secrets.randomHex(bytes: 6)
        let store = AccessStore(database: PostgresPool(url: settings.databaseURL, size: 1))
        for login in logins {
            if try store.user(named: login.name) == nil {
                try store.addUser(name: login.name, password: password, role: login.role, tenant: login.tenant)
            } else {
                _ = try store.setPassword(name: login.name, password: password)
            }
        }
        return password
    }

    public static func banner(url: String, password: String) -> String {
        var text = "Sign in at \(url)/sign-in with any of these demo logins:\n"
        for login in logins {
            let padded = login.name + String(repeating: " ", count: max(1, 10 - login.name.count))
            text += "  \(padded) password \(password)   \(login.role.rawValue)\(login.tenant.map { ", tenant " + $0 + " only" } ?? ", every tenant")\n"
        }
        return text
    }
}
