#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import Net
import Synchronization
import Testing
import TestSupport

func seconds(since start: UInt64) -> Double { Double(MonotonicClock.now() - start) / 1e9 }

@Suite("HTTP server deadlines, load and shutdown", .serialized)
struct ServerRobustnessTests {
    @Test func defaultsMatchTheDocumentedLimits() {
        let c = HTTPServerConfiguration()
        #expect(c.headerTimeout == 10)
        #expect(c.limits.maxRequestLineBytes == 8192)
        #expect(c.limits.maxHeaderBytes == 32768)
        #expect(c.limits.maxHeaderCount == 100)
    }

    @Test func slowlorisIsCutOffAtTheHeaderDeadline() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        let start = MonotonicClock.now()
        // One header byte every 200 ms: each is progress, but the head never completes.
        var closed = false
        for byte in "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaa".utf8 {
            do { try client.send([byte]) } catch { closed = true; break }
            usleep(200_000)
            if seconds(since: start) > 4 { break }
        }
        let rest = try client.readToEnd()
        let elapsed = seconds(since: start)
        #expect(closed || String(decoding: rest, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
        #expect(elapsed < 3.5, "cut after \(elapsed) s with a 1 s header deadline")
    }

    @Test func idleKeepAliveConnectionsAreClosed() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readResponse()
        let start = MonotonicClock.now()
        #expect(try client.isClosedByServer())
        #expect(seconds(since: start) < 3)
    }

    @Test func slowBodyIsCutOffAtTheBodyDeadline() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
        let start = MonotonicClock.now()
        let rest = String(decoding: try client.readToEnd(), as: UTF8.self)
        #expect(rest.hasPrefix("HTTP/1.1 408"))
        #expect(seconds(since: start) < 3)
    }

    @Test func aClientThatStopsReadingIsDroppedAndTheServerLivesOn() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let stalled = try server.connect()
        try stalled.send("GET /huge-stream HTTP/1.1\r\nHost: t\r\n\r\n")
        // Never read. The write deadline (1 s) must free the worker; others keep being served.
        usleep(2_500_000)
        let other = try server.connect()
        try other.send("GET /alive HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try other.readResponse().text == "GET /alive 0 ")
        #expect(server.server.openConnections == 1)
    }

    @Test func aClientThatDisconnectsMidResponseDoesNotKillTheProcess() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        for _ in 0..<5 {
            let client = try server.connect()
            try client.send("GET /huge-stream HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.fill()
            client.close()   // the server's next send gets EPIPE/ECONNRESET, not SIGPIPE
        }
        let after = try server.connect()
        try after.send("GET /still-here HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try after.readResponse().text == "GET /still-here 0 ")
    }

    @Test func aThousandIdleConnectionsDoNotDelayAFreshRequest() throws {
        var config = quickConfig()
        config.headerTimeout = 30
        config.idleTimeout = 30
        config.workerThreads = 4
        let server = try TestServer(configuration: config, responder: echo)
        defer { server.stop() }
        var idle: [RawClient] = []
        for _ in 0..<1000 { idle.append(try server.connect()) }
        // Half of them have sent part of a request; none holds a thread.
        for client in idle.prefix(500) { try client.send("GET / HTTP/1.1\r\n") }
        usleep(200_000)
        #expect(server.server.openConnections == 1000)
        let start = MonotonicClock.now()
        let fresh = try server.connect()
        try fresh.send("GET /fresh HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try fresh.readResponse().text == "GET /fresh 0 ")
        let elapsed = seconds(since: start)
        #expect(elapsed < 0.5, "fresh request took \(elapsed) s beside 1,000 idle connections")
        idle.forEach { $0.close() }
    }

    @Test func aSlowHandlerDoesNotStallOtherConnections() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let slow = try server.connect()
        try slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        let start = MonotonicClock.now()
        let quick = try server.connect()
        try quick.send("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try quick.readResponse().text == "GET /quick 0 ")
        #expect(seconds(since: start) < 0.5)
        #expect(try slow.readResponse().text == "slow done")
    }

    @Test func moreBlockedHandlersThanPollingThreadsStillLeaveRoomForOthers() throws {
        var config = quickConfig()
        config.pollingThreads = 2
        config.workerThreads = 16
        let server = try TestServer(configuration: config, responder: echo)
        defer { server.stop() }
        var slow: [RawClient] = []
        for _ in 0..<6 {
            let client = try server.connect()
            try client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            slow.append(client)
        }
        usleep(200_000)
        let start = MonotonicClock.now()
        let quick = try server.connect()
        try quick.send("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try quick.readResponse().text == "GET /quick 0 ")
        let elapsed = seconds(since: start)
        #expect(elapsed < 0.3, "a quick request waited \(elapsed) s behind six blocked handlers")
        for client in slow { #expect(try client.readResponse().text == "slow done") }
    }

    @Test func gracefulShutdownFinishesInFlightRequestsAndRefusesNewOnes() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        let inFlight = try server.connect()
        try inFlight.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        let idle = try server.connect()
        try idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try idle.readResponse()
        usleep(100_000)
        let start = MonotonicClock.now()
        server.server.beginShutdown()
        // New connections are refused once the listener is closed.
        #expect(throws: (any Error).self) { _ = try RawClient(port: server.port) }
        let response = try inFlight.readResponse()
        #expect(response.text == "slow done")
        #expect(response.headers["Connection"] == "close")
        #expect(try idle.isClosedByServer())
        server.server.waitUntilStopped()
        #expect(seconds(since: start) < 4)
    }

    @Test func overTheConnectionLimitNewClientsGet503() throws {
        var config = quickConfig()
        config.maxConnections = 2
        let server = try TestServer(configuration: config, responder: echo)
        defer { server.stop() }
        let a = try server.connect(), b = try server.connect()
        try a.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        try b.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try a.readResponse()
        _ = try b.readResponse()
        let c = try server.connect()
        #expect(try c.readResponse().status == 503)
    }
}
