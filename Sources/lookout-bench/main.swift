// lookout-bench: serves the benchmark pages of ../shared/bench through Lookout's own HTTP,
// Web and Templates modules, so that `scripts/bench/http` can put our server beside
// Hummingbird, FlyingFox and nginx.
//
//   lookout-bench --port N [--threads N] [--access-log]
//   lookout-bench --print-page
//
//   GET /hello -> "Hello, world!"
//   GET /page  -> the anchors' 6,615-byte queue table, rendered per request from a template
#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Templates
import Web

let pageTemplate = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>Queues - Admin</title>
    <style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}\
    td,th{padding:2px 8px;border-bottom:1px solid #ddd}td+td{text-align:right}\
    .s-paused{color:#a60}.s-failing{color:#b00}</style>
    </head>
    <body>
    <h1>Queues</h1>
    <table>
    <tr><th>Queue</th><th>Pending</th><th>Running</th><th>Done</th><th>Failed</th><th>Status</th></tr>
    {{#rows}}
    <tr><td>{{name}}</td><td>{{pending}}</td><td>{{running}}</td><td>{{done}}</td><td>{{failed}}</td><td class="s-{{status}}">{{status}}</td></tr>
    {{/rows}}
    </table>
    </body>
    </html>

    """

/// The anchors' 50 rows: the same names and the same deterministic generator, so the page
/// is byte-identical to theirs.
func benchmarkRows() -> TemplateValue {
    let bases = ["emails", "billing", "thumbnails", "webhooks", "search-index",
                 "reports & exports", "imports<csv>", "notifications", "audit-log", "payouts"]
    let regions = ["us-east", "eu-west", "ap-south", "sa-east", "eu-north"]
    let statuses = ["active", "active", "paused", "draining", "failing"]
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: seed >> 33) % bound
    }
    var rows: [TemplateValue] = []
    for i in 0..<50 {
        let name = bases[i % bases.count] + "/" + regions[i / bases.count]
        let pending = next(5_000), running = next(64), done = next(10_000_000), failed = next(1_000)
        rows.append([
            "name": .string(name), "pending": .int(pending), "running": .int(running),
            "done": .int(done), "failed": .int(failed), "status": .string(statuses[next(statuses.count)]),
        ])
    }
    return ["rows": .list(rows)]
}

let arguments = Array(CommandLine.arguments.dropFirst())
let library: TemplateLibrary
do {
    library = try TemplateLibrary(sources: ["page": pageTemplate])
} catch {
    StandardStreams.writeError("lookout-bench: \(error)\n")
    exit(1)
}
let rows = benchmarkRows()

if arguments.first == "--time-render", arguments.count == 2, let count = Int(arguments[1]), count > 0 {
    // Template cost alone, without the network: median of 5 runs of `count` renders.
    var runs: [Double] = []
    var bytes = 0
    for _ in 0..<5 {
        var ts0 = timespec(), ts1 = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts0)
        for _ in 0..<count { bytes &+= library.render("page", rows).count }
        clock_gettime(CLOCK_MONOTONIC, &ts1)
        runs.append((Double(ts1.tv_sec - ts0.tv_sec) * 1e9 + Double(ts1.tv_nsec - ts0.tv_nsec)) / Double(count))
    }
    StandardStreams.writeOutput("render: \(Int(runs.sorted()[2])) ns per page (median of 5 x \(count); \(bytes / (5 * count)) bytes)\n")
    exit(0)
}

if arguments.first == "--print-page" {
    StandardStreams.writeOutput(String(decoding: library.render("page", rows), as: UTF8.self))
    exit(0)
}

var port: UInt16 = 9004
var threads = 16
var accessLog = false
var pollers: Int?
var index = 0
while index < arguments.count {
    switch arguments[index] {
    case "--port" where index + 1 < arguments.count:
        guard let value = UInt16(arguments[index + 1]) else { StandardStreams.writeError("lookout-bench: bad --port\n"); exit(2) }
        port = value
        index += 1
    case "--threads" where index + 1 < arguments.count:
        guard let value = Int(arguments[index + 1]), value > 0 else { StandardStreams.writeError("lookout-bench: bad --threads\n"); exit(2) }
        threads = value
        index += 1
    case "--pollers" where index + 1 < arguments.count:
        guard let value = Int(arguments[index + 1]), value > 0 else { StandardStreams.writeError("lookout-bench: bad --pollers\n"); exit(2) }
        pollers = value
        index += 1
    case "--access-log":
        accessLog = true
    default:
        StandardStreams.writeError("usage: lookout-bench --port N [--threads N] [--pollers N] [--access-log] | --print-page\n")
        exit(2)
    }
    index += 1
}

var router = Router()
let hello = Array("Hello, world!".utf8)
router.get("/hello") { _ in HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: hello) }
router.get("/page") { _ in .html(library.render("page", rows)) }

do {
    let server = try HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port, workerThreads: threads, pollingThreads: pollers),
                                responder: WebApplication(router: router),
                                accessLog: accessLog ? JSONLinesAccessLog() : nil)
    let address = try server.start()
    StandardStreams.writeError("lookout-bench listening on http://\(address)\n")
    while true { pause() }
} catch {
    StandardStreams.writeError("lookout-bench: \(error)\n")
    exit(1)
}
