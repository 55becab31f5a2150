import Foundation
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
        #expect(first.stdout == "applying 0001_queues\napplying 0002_access\napplied 2 migration(s)\n")
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
