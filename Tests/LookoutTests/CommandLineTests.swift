import Foundation
import Lookout
import Testing

@Suite("lookout command line")
struct CommandLineTests {
    @Test func helpListsTheCommands() throws {
        let result = try runLookout(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("serve"))
        let serve = try runLookout(["serve", "--help"])
        #expect(serve.status == 0)
        for flag in ["--bind", "--port", "--database-url", "--redis-url", "LOOKOUT_DATABASE_URL", "LOOKOUT_PORT"] {
            #expect(serve.stdout.contains(flag), "serve --help mentions \(flag)")
        }
    }

    @Test(arguments: [
        (["serve", "--port", "http"], [String: String](), "--port: expected a whole number from 0 to 65535, got 'http'"),
        (["serve", "--port", "70000"], [:], "--port: expected a whole number from 0 to 65535, got '70000'"),
        (["serve"], ["LOOKOUT_PORT": "-1"], "LOOKOUT_PORT: expected a whole number from 0 to 65535, got '-1'"),
        (["serve", "--bind", "example.com"], [:], "--bind: 'example.com' is not a numeric IP address or localhost"),
        (["serve"], ["LOOKOUT_REDIS_URL": "http://x"], "LOOKOUT_REDIS_URL: expected redis://[:password@]host[:port][/db], got 'http://x'"),
        (["serve"], ["LOOKOUT_DATABASE_URL": "mysql"], "LOOKOUT_DATABASE_URL: expected postgresql://... or key=value pairs"),
        (["serve", "--frobnicate"], [:], "lookout serve: unknown option '--frobnicate' (see lookout serve --help)"),
        (["serve", "--port"], [:], "lookout serve: --port needs a value"),
        (["serve", "--header-timeout", "0"], [:], "--header-timeout: expected a number of seconds above 0, got '0'"),
        (["launch"], [:], "unknown command 'launch' (see lookout --help)"),
    ])
    func badSettingsGetOneLineAndExitCode2(arguments: [String], environment: [String: String], message: String) throws {
        let result = try runLookout(arguments, environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr == "lookout: \(message)\n")
    }

    @Test func migrateAndReconcileFromTheCommandLine() throws {
        let t = try TestStores(migrate: false)
        let env = ["LOOKOUT_DATABASE_URL": t.databaseURL, "LOOKOUT_REDIS_URL": t.redisURLText]
        let first = try runLookout(["migrate"], environment: env)
        #expect(first.status == 0)
        #expect(first.stdout == "applying 0001_queues\napplying 0002_access\napplying 0003_logs\napplying 0004_throughput_index\napplying 0005_log_services_tenant\napplying 0006_log_problems_index\napplying 0007_log_chunks\napplying 0008_log_chunk_candidates\napplied 8 migration(s)\n")
        let second = try runLookout(["migrate"], environment: env)
        #expect(second.stdout == "database is up to date\n")
        try t.store.defineQueue("mail", targetSeconds: 60)
        _ = try t.store.enqueue(queue: "mail", payload: "{}")   // never pushed to Redis
        let reconcile = try runLookout(["reconcile"], environment: env)
        #expect(reconcile.status == 0)
        #expect(reconcile.stdout == "recovered 0 expired leases, made 0 due retries runnable, removed 0 stale in-flight ids, rebuilt mail\n")
        let unreachable = try runLookout(["migrate", "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr == "lookout: migrate failed: PostgreSQL connection failed\n")
    }

    @Test func aBrokenTemplateStopsStartUpNamingFileLineAndColumn() throws {
        let root = NSTemporaryDirectory() + "lookout-broken-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: TestServices.packageRoot + "/Templates", toPath: root + "/Templates")
        try FileManager.default.createDirectory(atPath: root + "/Public", withIntermediateDirectories: true)
        try "<main>\n  {{#queues}}\n</main>\n".write(toFile: root + "/Templates/overview.html", atomically: true, encoding: .utf8)
        let stores = try TestStores()
        let result = try runLookout(["serve", "--port", "0"], environment: ["LOOKOUT_RESOURCES": root, "LOOKOUT_DATABASE_URL": stores.databaseURL])
        #expect(result.status == 2)
        #expect(result.stderr == "lookout: template error: overview.html:2:3: section 'queues' is never closed\n")
    }

    @Test func sigtermStopsTheServerWithExitCode0() throws {
        let stores = try TestStores()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestServices.lookoutBinary)
        process.arguments = ["serve", "--port", "0", "--access-log", "off"]
        var env = ProcessInfo.processInfo.environment
        env["LOOKOUT_RESOURCES"] = TestServices.packageRoot
        env["LOOKOUT_DATABASE_URL"] = stores.databaseURL
        env["LOOKOUT_REDIS_URL"] = stores.redisURLText
        process.environment = env
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for the "listening" line.
        var seen = ""
        let deadline = Date().addingTimeInterval(10)
        while !seen.contains("listening on"), Date() < deadline {
            seen += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
        }
        #expect(seen.contains("listening on http://127.0.0.1:"))
        process.terminate()   // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}

@Suite("lookout user and lookout token", .serialized)
struct AccessCommandTests {
    @Test func usersAndTokensFromTheCommandLine() throws {
        let t = try TestStores()
        let env = ["LOOKOUT_DATABASE_URL": t.databaseURL, "USER": "ops-person"]
        let added = try runLookout(["user", "add", "root-admin", "--role", "admin"], environment: env, stdin: "s3cret-password\n")
        #expect(added.status == 0 && added.stdout == "added root-admin (admin)\n")
        let hash = try t.query("SELECT password_hash FROM users WHERE name = 'root-admin'").string(0, "password_hash") ?? ""
        #expect(hash.hasPrefix("$2a$12$") && !hash.contains("s3cret"))
        #expect(try AccessStore(database: t.database).verify(name: "root-admin", password: "s3cret-password") != nil)
        #expect(try AccessStore(database: t.database).verify(name: "root-admin", password: "s3cret-passwore") == nil)

        // Passwords never come from argv; mistakes are one line and exit code 2.
        let cases: [([String], String?, String)] = [
            (["user", "add", "x", "--role", "admin", "--password", "pw"], "pw-pw-pw-pw\n", "lookout: user: lookout user: unknown option '--password' (see lookout user --help)\n"),
            (["user", "add", "x", "--role", "root"], "pw-pw-pw-pw\n", "lookout: user: --role: expected one of viewer, operator, admin, got 'root'\n"),
            (["user", "add", "x"], "pw-pw-pw-pw\n", "lookout: user: --role is required: one of viewer, operator, admin\n"),
            (["user", "add", "x", "--role", "viewer"], "short\n", "lookout: user: a password needs at least 8 characters\n"),
            (["user", "add", "x", "--role", "viewer"], nil, "lookout: user: no password on stdin (give it as the first line)\n"),
            (["user", "add", "x", "--role", "admin", "--tenant", "acme"], "pw-pw-pw-pw\n",
             "lookout: user: an admin manages every tenant and cannot be bound to one; use operator or viewer with --tenant\n"),
            (["user", "add", "root-admin", "--role", "viewer"], "pw-pw-pw-pw\n", "lookout: user: a user named 'root-admin' already exists\n"),
            (["user", "remove", "root-admin"], nil, "lookout: user: this is the last admin: make another admin first, or nobody could manage users\n"),
            (["user", "frobnicate"], nil, "lookout: user: unknown subcommand 'frobnicate' (see lookout user --help)\n"),
            (["token", "revoke", "abc"], nil, "lookout: token: expected a token id (a whole number), got 'abc'\n"),
            (["token", "revoke", "99"], nil, "lookout: token: no live token 99\n"),
        ]
        for (arguments, input, message) in cases {
            let result = try runLookout(arguments, environment: env, stdin: input)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr == message, "\(arguments)")
        }

        let viewer = try runLookout(["user", "add", "vera", "--role", "viewer", "--tenant", "acme"], environment: env, stdin: "another-password\n")
        #expect(viewer.stdout == "added vera (viewer, tenant acme)\n")
        #expect(try runLookout(["user", "list"], environment: env).stdout.contains("vera\tviewer\tacme\t"))

        let created = try runLookout(["token", "create", "--role", "operator", "--tenant", "acme", "--name", "deploy"], environment: env)
        #expect(created.status == 0)
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("lookout_") && secret.count == 72)
        let principal = try #require(try AccessStore(database: t.database).principal(forToken: secret))
        #expect(principal.role == .operator && principal.tenant == "acme" && principal.actor == "token:deploy")
        let list = try runLookout(["token", "list"], environment: env).stdout
        #expect(list.contains("deploy\toperator\tacme\tlast used") && !list.contains(secret))
        let id = try t.query("SELECT id FROM api_tokens").int(0, "id") ?? 0
        #expect(try runLookout(["token", "revoke", String(id)], environment: env).stdout == "revoked token \(id)\n")
        #expect(try AccessStore(database: t.database).principal(forToken: secret) == nil)
        let audit = try AuditLog(database: t.database).entries(before: nil, limit: 10, actor: "cli:ops-person", action: nil).map(\.action)
        #expect(audit == ["token.revoke", "token.create", "user.add", "user.add"])
    }
}

@Suite("lookout ingest", .serialized)
struct IngestCommandTests {
    @Test func importsAFileOrStdinAndNamesTheBadLines() throws {
        let t = try TestStores()
        let env = ["LOOKOUT_DATABASE_URL": t.databaseURL]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-ingest-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        var text = ""
        for index in 0..<20_000 { text += #"{"level": "info", "service": "import", "message": "imported line \#(index)"}"# + "\n" }
        text += "{broken\n" + #"{"message": "last line, no newline at the end"}"#
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try runLookout(["ingest", file.path], environment: env)
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("stored 20001 of 20002 lines in "))
        #expect(result.stderr.contains("20001 lines stored, 1 refused"))        // the progress line
        #expect(result.stderr.contains("line 20001: not valid JSON"))
        #expect(try t.query("SELECT count(*) AS n FROM log_lines WHERE service = 'import'").int(0, "n") == 20_000)
        let piped = try runLookout(["ingest", "-"], environment: env, stdin: #"{"msg": "from stdin", "service": "pipe"}"# + "\n")
        #expect(piped.status == 0 && piped.stdout.hasPrefix("stored 1 of 1 lines"))
        let missing = try runLookout(["ingest", "/nonexistent/file.jsonl"], environment: env)
        #expect(missing.status == 2 && missing.stderr == "lookout: ingest: cannot open /nonexistent/file.jsonl: No such file or directory\n")
        let none = try runLookout(["ingest"], environment: env)
        #expect(none.status == 2 && none.stderr == "lookout: ingest: name a file to import, or - for stdin\n")
    }
}
