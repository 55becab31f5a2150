import Postgres

/// `lookout user ...` and `lookout token ...`: managing access from the command line, which
/// is how the first admin comes to exist. Passwords never come from argv (they would show
/// in `ps` and shell history); the caller supplies a way to read one.
public struct AccessCommands {
    public static let userUsage = """
        Usage: lookout user add NAME --role viewer|operator|admin [--tenant T]
               lookout user passwd NAME
               lookout user role NAME viewer|operator|admin
               lookout user remove NAME
               lookout user list

        add and passwd read the password from the terminal (asked twice, not echoed) or,
        when stdin is not a terminal, from its first line. A user with --tenant sees and acts
        on that tenant's jobs only; admins cannot be bound to a tenant.

        Options:
        \(OptionValues.help(specs))

        """

    public static let tokenUsage = """
        Usage: lookout token create --role ingest|viewer|operator|admin [--tenant T] [--name TEXT]
               lookout token list
               lookout token revoke ID

        create prints the token once on stdout; only its hash is stored. Send it as
        `Authorization: Bearer TOKEN`. An ingest token may only post log lines
        (POST /api/v1/logs): give one to Fluent Bit or Vector.

        Options:
        \(OptionValues.help(specs))

        """

    static let specs: [OptionSpec] = DatabaseSettings.specs + [
        OptionSpec("role", env: nil, default: "", value: "ROLE", help: "viewer, operator or admin"),
        OptionSpec("tenant", env: nil, default: "", value: "TENANT", help: "limit the user or token to one tenant's rows"),
        OptionSpec("name", env: nil, default: "", value: "TEXT", help: "what a token is for (default: cli token)"),
    ]

    let store: AccessStore
    let audit: AuditLog
    let options: OptionValues
    let positional: [String]
    /// Who ran the command, for the audit log (the login name of the shell user).
    let operatorName: String

    /// Splits `arguments` into positional words and --options, and connects.
    public init(arguments: [String], environment: [String: String], command: String) throws(SettingsError) {
        var words: [String] = [], flags: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--") {
                flags.append(argument)
                if !argument.contains("="), index + 1 < arguments.count {
                    flags.append(arguments[index + 1])
                    index += 1
                }
            } else {
                words.append(argument)
            }
            index += 1
        }
        options = try OptionValues.parse(flags, specs: Self.specs, environment: environment, command: command)
        let settings = try DatabaseSettings(options)
        let database = PostgresPool(url: settings.databaseURL, size: 1, statementTimeout: settings.statementTimeoutMilliseconds)
        store = AccessStore(database: database)
        audit = AuditLog(database: database)
        positional = words
        operatorName = "cli:" + (environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "unknown")
    }

    func role(forUser: Bool) throws(SettingsError) -> Role {
        let text = options.string("role")
        let names = forUser ? Role.userNames : Role.names
        guard !text.isEmpty else { throw SettingsError("--role is required: one of \(names)") }
        guard let role = Role(rawValue: text), !forUser || role != .ingest else {
            throw SettingsError("--role: expected one of \(names), got '\(text)'")
        }
        return role
    }

    var tenant: String? { options.string("tenant").isEmpty ? nil : options.string("tenant") }

    func word(_ index: Int, _ what: String) throws(SettingsError) -> String {
        guard index < positional.count else { throw SettingsError("missing \(what)") }
        return positional[index]
    }

    func expectWords(_ count: Int) throws(SettingsError) {
        if positional.count > count { throw SettingsError("unexpected argument '\(positional[count])'") }
    }

    func record(_ action: String, target: String, detail: String? = nil) {
        audit.record(actor: operatorName, kind: "cli", tenant: nil, action: action, target: target, detail: detail, address: nil, requestID: nil)
    }

    /// Runs `lookout user SUBCOMMAND`; returns what to print. `password` asks for one.
    /// Throws SettingsError for a usage mistake (exit 2), AccessStore.Refusal for a refused
    /// change (exit 2), anything else for a failure (exit 1).
    public func runUser(password: () throws(SettingsError) -> String) throws -> String {
        switch try word(0, "subcommand (add, passwd, role, remove, list)") {
        case "add":
            let name = try word(1, "user name"), role = try role(forUser: true)
            try expectWords(2)
            try AccessStore.validate(name: name, password: nil, role: role, tenant: tenant)
            let user = try store.addUser(name: name, password: try password(), role: role, tenant: tenant)
            record("user.add", target: "user:" + user.name, detail: "role \(role.rawValue)" + (tenant.map { ", tenant " + $0 } ?? ""))
            return "added \(user.name) (\(user.role.rawValue)\(user.tenant.map { ", tenant " + $0 } ?? ""))\n"
        case "passwd":
            let name = try word(1, "user name")
            try expectWords(2)
            guard try store.user(named: name) != nil else { throw AccessStore.Refusal("no user named '\(name)'") }
            guard try store.setPassword(name: name, password: try password()) else { throw AccessStore.Refusal("no user named '\(name)'") }
            record("user.password", target: "user:" + name)
            return "password of \(name) changed; their sessions have ended\n"
        case "role":
            let name = try word(1, "user name"), text = try word(2, "role")
            try expectWords(3)
            guard let role = Role(rawValue: text), role != .ingest else { throw SettingsError("expected one of \(Role.userNames), got '\(text)'") }
            guard let user = try store.setRole(name: name, role: role) else { throw AccessStore.Refusal("no user named '\(name)'") }
            record("user.role", target: "user:" + user.name, detail: "role \(role.rawValue)")
            return "\(user.name) is now \(role.rawValue)\n"
        case "remove":
            let name = try word(1, "user name")
            try expectWords(2)
            guard try store.removeUser(name: name) else { throw AccessStore.Refusal("no user named '\(name)'") }
            record("user.remove", target: "user:" + name)
            return "removed \(name)\n"
        case "list":
            try expectWords(1)
            let users = try store.users()
            guard !users.isEmpty else { return "no users yet: lookout user add NAME --role admin\n" }
            return users.map { "\($0.name)\t\($0.role.rawValue)\t\($0.tenant ?? "(all tenants)")\t\($0.createdAt)\n" }.joined()
        case let other:
            throw SettingsError("unknown subcommand '\(other)' (see lookout user --help)")
        }
    }

    public func runToken() throws -> String {
        switch try word(0, "subcommand (create, list, revoke)") {
        case "create":
            try expectWords(1)
            let role = try role(forUser: false)
            let name = options.string("name").isEmpty ? "cli token" : options.string("name")
            let (token, secret) = try store.createToken(name: name, role: role, tenant: tenant, createdBy: operatorName)
            record("token.create", target: "token:\(token.id)", detail: "\(token.name), role \(role.rawValue)" + (tenant.map { ", tenant " + $0 } ?? ""))
            return secret + "\n"
        case "list":
            try expectWords(1)
            let tokens = try store.tokens()
            guard !tokens.isEmpty else { return "no tokens\n" }
            return tokens.map { t in
                "\(t.id)\t\(t.prefix)…\t\(t.name)\t\(t.role.rawValue)\t\(t.tenant ?? "(all tenants)")\t"
                    + (t.revokedAt.map { "revoked \($0)" } ?? "last used \(t.lastUsedAt ?? "never")") + "\n"
            }.joined()
        case "revoke":
            let text = try word(1, "token id (see lookout token list)")
            try expectWords(2)
            guard let id = Int(text), id > 0 else { throw SettingsError("expected a token id (a whole number), got '\(text)'") }
            guard try store.revokeToken(id: id) else { throw AccessStore.Refusal("no live token \(id)") }
            record("token.revoke", target: "token:\(id)")
            return "revoked token \(id)\n"
        case let other:
            throw SettingsError("unknown subcommand '\(other)' (see lookout token --help)")
        }
    }
}
