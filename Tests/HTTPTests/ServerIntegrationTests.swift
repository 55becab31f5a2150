#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import Net
import Synchronization
import Testing
import TestSupport

/// Echoes what it got, and has a few special paths to exercise the server.
let echo = ClosureResponder { request in
    switch request.path {
    case "/slow":
        usleep(1_500_000)
        return HTTPResponse(status: 200, contentType: "text/plain", text: "slow done")
    case "/stream":
        return HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: .stream({ writer in
            for i in 0..<3 { try writer.write("part \(i)\n") }
        }))
    case "/huge-stream":
        return HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: .stream({ writer in
            let block = [UInt8](repeating: 0x61, count: 64 * 1024)
            for _ in 0..<2048 { try writer.write(block) }   // 128 MiB: more than any socket buffer
        }))
    case "/no-content":
        return HTTPResponse(status: 204)
    case "/split":
        return HTTPResponse(status: 200, headers: ["X-Evil": "a\r\nSet-Cookie: pwned=1"], body: .bytes(Array("ok".utf8)))
    default:
        let text = "\(request.method) \(request.target) \(request.body.count) \(String(decoding: request.body, as: UTF8.self))"
        return HTTPResponse(status: 200, contentType: "text/plain", text: text)
    }
}

func quickConfig() -> HTTPServerConfiguration {
    var c = HTTPServerConfiguration()
    c.headerTimeout = 1
    c.bodyTimeout = 1
    c.idleTimeout = 1
    c.writeTimeout = 1
    c.shutdownGrace = 5
    c.limits = HTTPParserLimits(maxRequestLineBytes: 1024, maxHeaderBytes: 4096, maxHeaderCount: 20, maxBodyBytes: 1 << 20)
    return c
}

@Suite("HTTP server over real sockets", .serialized)
struct ServerIntegrationTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        for i in 0..<5 {
            try client.send("GET /k\(i) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "GET /k\(i) 0 ")
            #expect(response.headers["Date"] != nil)
            #expect(response.headers["Content-Length"] == "\(response.body.count)")
            #expect(response.headers["Connection"] == nil)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        var batch = ""
        for i in 0..<20 { batch += "GET /p\(i) HTTP/1.1\r\nHost: t\r\n\r\n" }
        batch += "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
        try client.send(batch)
        for i in 0..<20 { #expect(try client.readResponse().text == "GET /p\(i) 0 ") }
        #expect(try client.readResponse().text == "POST /body 3 abc")
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let plain = try server.connect()
        try plain.send("GET /old HTTP/1.0\r\n\r\n")
        let first = try plain.readResponse()
        #expect(first.status == 200)
        #expect(first.headers["Connection"] == "close")
        #expect(try plain.isClosedByServer())

        let kept = try server.connect()
        try kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let response = try kept.readResponse()
        #expect(response.headers["Connection"] == "keep-alive")
        try kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try kept.readResponse().text == "GET /b 0 ")
    }

    @Test func connectionCloseIsHonoured() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headers["Connection"] == "close")
        #expect(try client.isClosedByServer())
    }

    @Test func headGetsHeadersWithoutBody() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(head: true)
        #expect(head.status == 200)
        #expect(head.headers["Content-Length"] == "\("HEAD /h 0 ".utf8.count)")
        // The next response starts right after the head: no body bytes were sent.
        #expect(try client.readResponse().text == "GET /after 0 ")
    }

    @Test func expectContinueGets100BeforeTheBody() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("data")
        #expect(try client.readResponse().text == "PUT /up 4 data")
    }

    @Test func expectContinueWithATooLargeBodyIsRefusedUnread() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.headers["Connection"] == "close")
        #expect(try client.isClosedByServer())
    }

    @Test func chunkedRequestBodyIsDecoded() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        usleep(50_000)
        try client.send("4\r\ndefg\r\n0\r\n\r\n")
        #expect(try client.readResponse().text == "POST /c 7 abcdefg")
    }

    @Test func streamedResponseUsesChunkedCodingAndCloseFor10() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headers["Transfer-Encoding"] == "chunked")
        #expect(response.text == "part 0\npart 1\npart 2\n")
        // Still usable afterwards.
        try client.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == "GET /after 0 ")

        let old = try server.connect()
        try old.send("GET /stream HTTP/1.0\r\n\r\n")
        let oldResponse = try old.readResponse()
        #expect(oldResponse.headers["Transfer-Encoding"] == nil)
        #expect(oldResponse.headers["Connection"] == "close")
        #expect(oldResponse.text == "part 0\npart 1\npart 2\n")
    }

    @Test func noContentHasNoLength() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /no-content HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 204)
        #expect(response.headers["Content-Length"] == nil)
    }

    @Test func handlerHeadersCannotSplitTheResponse() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /split HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headers["Set-Cookie"] == nil)
        #expect(response.text == "ok")
    }

    @Test(arguments: [
        ("GET /" + String(repeating: "x", count: 2000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "b", count: 5000) + "\r\n\r\n", 431),
        ("GET / HTTP/1.1\r\nHost: t\r\n" + String(repeating: "X-A: 1\r\n", count: 30) + "\r\n", 431),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
    ])
    func limitsAndBadRequestsGetTheirStatusAndClose(request: String, status: Int) throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == status)
        #expect(response.headers["Connection"] == "close")
        #expect(response.headers["X-Request-ID"] != nil)
        #expect(try client.isClosedByServer())
    }

    @Test func requestIDIsEchoedWhenSaneAndReplacedOtherwise() throws {
        let server = try TestServer(configuration: quickConfig(), responder: echo)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Request-ID: req-abc_123.4:5\r\n\r\n")
        #expect(try client.readResponse().headers["X-Request-ID"] == "req-abc_123.4:5")
        try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Request-ID: <script>\r\n\r\n")
        let replaced = try client.readResponse().headers["X-Request-ID"] ?? ""
        #expect(replaced != "<script>" && RequestID.isAcceptable(replaced))
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let made = try client.readResponse().headers["X-Request-ID"] ?? ""
        #expect(RequestID.isAcceptable(made))
    }

    @Test func accessLogHasOneJSONLinePerRequest() throws {
        let sink = MemoryAccessLog()
        let server = try TestServer(configuration: quickConfig(), responder: echo, accessLog: sink)
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /logged?x=1 HTTP/1.1\r\nHost: t\r\nX-Request-ID: trace-1\r\n\r\n")
        _ = try client.readResponse()
        // The line is written after the response went out (it records the bytes sent).
        for _ in 0..<100 where sink.entries.withLock({ $0.isEmpty }) { usleep(10_000) }
        let entries = sink.entries.withLock { $0 }
        #expect(entries.count == 1)
        let line = entries.first?.jsonLine ?? ""
        #expect(line.hasPrefix("{\"time\":\"") && line.hasSuffix("}\n"))
        #expect(line.contains("\"request_id\":\"trace-1\""))
        #expect(line.contains("\"method\":\"GET\"") && line.contains("\"path\":\"/logged\"") && line.contains("\"status\":200"))
        #expect(line.contains("\"duration_ms\":") && line.contains("\"bytes\":"))
    }
}

final class MemoryAccessLog: AccessLogSink {
    let entries = Mutex<[AccessLogEntry]>([])
    func record(_ entry: AccessLogEntry) { entries.withLock { $0.append(entry) } }
    func flush() {}
}
