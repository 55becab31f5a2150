// lookout: the command line. Parses the command, reports bad settings in one line with
// exit code 2, and runs the server until SIGINT or SIGTERM.
#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Lookout
import Net

let usage = """
    lookout \(LookoutVersion.current): the system-monitoring console

    Usage: lookout COMMAND [OPTIONS]

    Commands:
      serve      run the web console, the JSON API and /health
      demo       migrate, then serve with producers and workers on the five seed queues
      migrate    apply the database migrations that are missing
      reconcile  repair gaps between PostgreSQL and Redis once, and report
      user       add, list, remove users, change roles and passwords
      token      create, list, revoke API tokens
      ingest     import a JSON-lines log file (or stdin) into the logs
      version    print the version
      help       show this help; `lookout COMMAND --help` shows a command's options

    Settings come from flags or from LOOKOUT_* environment variables (flags win).

    """

let serveUsage = """
    Usage: lookout serve [OPTIONS]
           lookout demo [OPTIONS]

    serve runs the console; it refuses a database that `lookout migrate` has not brought up
    to date (exit 2). demo migrates first, then serves with producers and workers on the five
    seed queues. SIGINT/SIGTERM stop accepting, let in-flight requests finish, exit 0.

    Options:
    \(OptionValues.help(ServeSettings.specs))

    """

func fail(_ message: String) -> Never {
    StandardStreams.writeError("lookout: \(message)\n")
    exit(2)
}

let databaseUsage = """
    Usage: lookout migrate|reconcile [OPTIONS]

    Options:
    \(OptionValues.help(DatabaseSettings.specs))

    """

func databaseSettings(_ arguments: [String], command: String) -> DatabaseSettings {
    if arguments.contains("--help") || arguments.contains("-h") {
        StandardStreams.writeOutput(databaseUsage)
        exit(0)
    }
    do {
        return try DatabaseSettings(arguments: arguments, environment: Environment.variables(), command: command)
    } catch {
        fail(String(describing: error))
    }
}

func migrate(_ arguments: [String]) -> Never {
    let settings = databaseSettings(arguments, command: "migrate")
    do {
        let applied = try Maintenance.migrate(settings) { migration in
            StandardStreams.writeOutput("applying \(padded4(migration.version))_\(migration.name)\n")
        }
        StandardStreams.writeOutput(applied.isEmpty ? "database is up to date\n" : "applied \(applied.count) migration(s)\n")
        exit(0)
    } catch {
        StandardStreams.writeError("lookout: migrate failed: \(error)\n")
        exit(1)
    }
}

func reconcile(_ arguments: [String]) -> Never {
    let settings = databaseSettings(arguments, command: "reconcile")
    do {
        StandardStreams.writeOutput("\(try Maintenance.reconcile(settings))\n")
        exit(0)
    } catch {
        StandardStreams.writeError("lookout: reconcile failed: \(error)\n")
        exit(1)
    }
}

func serve(_ arguments: [String], demo: Bool = false) -> Never {
    if arguments.contains("--help") || arguments.contains("-h") {
        StandardStreams.writeOutput(serveUsage)
        exit(0)
    }
    let settings: ServeSettings
    let server: LookoutServer
    var demoPassword: String?
    do {
        settings = try ServeSettings(arguments: arguments, environment: Environment.variables())
    } catch {
        fail(String(describing: error))
    }
    do {
        if demo {
            _ = try Maintenance.migrate(settings.database) { migration in
                StandardStreams.writeError("applying migration \(migration.version) \(migration.name)\n")
            }
            demoPassword = try DemoLogins.ensure(settings.database, password: Environment.variables()["LOOKOUT_DEMO_PASSWORD"])
        } else if let problem = Maintenance.migrationProblem(settings.database) {
            fail(problem)
        }
        server = try LookoutServer(settings: settings, demo: demo)
    } catch let error as SettingsError {
        fail(error.message)
    } catch {
        StandardStreams.writeError("lookout: \(error)\n")
        exit(1)
    }
    // Signals are taken by one thread with sigwait: block them before any thread starts,
    // so every thread inherits the mask.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &signals, nil)

    let address: SocketAddress
    do {
        address = try server.start()
    } catch {
        fail("cannot listen on \(settings.bind):\(settings.port): \(error)")
    }
    StandardStreams.writeError("lookout \(LookoutVersion.current) listening on http://\(address)\(demo ? " with demo traffic" : "")\n")
    if let demoPassword {
        StandardStreams.writeError(DemoLogins.banner(url: "http://\(address)", password: demoPassword))
    } else if let hint = Maintenance.accessHint(settings.database) {
        StandardStreams.writeError("lookout: \(hint)\n")
    }

    var received: Int32 = 0
    sigwait(&signals, &received)
    StandardStreams.writeError("lookout: signal \(received), finishing in-flight requests\n")
    let blocked = signals
    OSThread.spawn(name: "second-signal") {
        var again: Int32 = 0
        var set = blocked
        sigwait(&set, &again)
        StandardStreams.writeError("lookout: second signal, exiting now\n")
        exit(1)
    }
    server.beginShutdown()
    server.waitUntilStopped()
    StandardStreams.writeError("lookout: stopped\n")
    exit(0)
}

func accessCommand(_ arguments: [String], command: String) -> Never {
    if arguments.isEmpty || arguments.contains("--help") || arguments.contains("-h") {
        StandardStreams.writeOutput(command == "user" ? AccessCommands.userUsage : AccessCommands.tokenUsage)
        exit(arguments.isEmpty ? 2 : 0)
    }
    do {
        let commands = try AccessCommands(arguments: arguments, environment: Environment.variables(), command: command)
        let output = command == "user" ? try commands.runUser(password: readNewPassword) : try commands.runToken()
        StandardStreams.writeOutput(output)
        exit(0)
    } catch let error as SettingsError {
        fail("\(command): \(error.message)")
    } catch let error as AccessStore.Refusal {
        fail("\(command): \(error.message)")
    } catch {
        StandardStreams.writeError("lookout: \(command) failed: \(error)\n")
        exit(1)
    }
}

/// A new password from the terminal, asked twice with echo off; or the first line of stdin
/// when it is not a terminal (for scripts: `printf '%s\n' "$PW" | lookout user add ...`).
func readNewPassword() throws(SettingsError) -> String {
    guard isatty(STDIN_FILENO) == 1 else {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw SettingsError("no password on stdin (give it as the first line)")
        }
        return line
    }
    let first = readHidden("Password: ")
    let second = readHidden("Again: ")
    guard let first, !first.isEmpty else { throw SettingsError("no password given") }
    guard first == second else { throw SettingsError("the two passwords differ") }
    return first
}

func readHidden(_ prompt: String) -> String? {
    StandardStreams.writeError(prompt)
    var saved = termios()
    tcgetattr(STDIN_FILENO, &saved)
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
    defer {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        StandardStreams.writeError("\n")
    }
    return readLine(strippingNewline: true)
}

func ingest(_ arguments: [String]) -> Never {
    if arguments.contains("--help") || arguments.contains("-h") {
        StandardStreams.writeOutput(LogImport.usage)
        exit(0)
    }
    let command: LogImport
    do {
        command = try LogImport(arguments: arguments, environment: Environment.variables())
    } catch {
        fail("ingest: \(error.message)")
    }
    do {
        let summary = try command.run { line in StandardStreams.writeError("\r\u{1B}[K" + line) }
        StandardStreams.writeError("\n")
        let rate = summary.seconds > 0 ? Int(Double(summary.report.accepted) / summary.seconds) : 0
        StandardStreams.writeOutput("stored \(summary.report.accepted) of \(summary.lines) lines in \(Double(Int(summary.seconds * 100)) / 100) s (\(rate) lines/s); \(summary.report.rejected) refused\n")
        for error in summary.report.errors.prefix(20) { StandardStreams.writeError("line \(error.line): \(error.reason)\n") }
        if summary.report.rejected > 20 { StandardStreams.writeError("... and \(summary.report.rejected - 20) more refused lines\n") }
        exit(summary.report.rejected == 0 ? 0 : 1)
    } catch let error as SettingsError {
        fail("ingest: \(error.message)")
    } catch {
        StandardStreams.writeError("\nlookout: ingest failed: \(error)\n")
        exit(1)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case nil, "help", "--help", "-h":
    StandardStreams.writeOutput(usage)
    exit(arguments.isEmpty ? 2 : 0)
case "version", "--version":
    StandardStreams.writeOutput("lookout \(LookoutVersion.current)\n")
    exit(0)
case "serve":
    serve(Array(arguments.dropFirst()))
case "demo":
    serve(Array(arguments.dropFirst()), demo: true)
case "migrate":
    migrate(Array(arguments.dropFirst()))
case "reconcile":
    reconcile(Array(arguments.dropFirst()))
case "user":
    accessCommand(Array(arguments.dropFirst()), command: "user")
case "token":
    accessCommand(Array(arguments.dropFirst()), command: "token")
case "ingest":
    ingest(Array(arguments.dropFirst()))
case let other?:
    fail("unknown command '\(other)' (see lookout --help)")
}

func padded4(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
