import HTTP
import Testing

/// One labelled case: bytes in, requests or an error status out.
struct DecoderCase: Sendable, CustomTestStringConvertible {
    let label: String
    let input: [UInt8]
    let requests: [String]
    let status: Int?

    init(_ label: String, _ input: String, _ requests: [String] = [], status: Int? = nil) {
        self.label = label
        self.input = Array(input.utf8)
        self.requests = requests
        self.status = status
    }

    init(_ label: String, bytes: [UInt8], status: Int) {
        self.label = label
        input = bytes
        requests = []
        self.status = status
    }

    var testDescription: String { label }
}

let limits = HTTPParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 256, maxHeaderCount: 8, maxBodyBytes: 32)

let validCases: [DecoderCase] = [
    DecoderCase("simple GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ["GET / "]),
    DecoderCase("query string kept in target", "GET /q?x=1&y=%20 HTTP/1.1\r\nHost: a\r\n\r\n", ["GET /q?x=1&y=%20 "]),
    DecoderCase("HEAD", "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", ["HEAD /h "]),
    DecoderCase("Content-Length body", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", ["POST /p hello"]),
    DecoderCase("Content-Length 0", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", ["POST /p "]),
    DecoderCase("identical Content-Length list", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", ["POST /p abc"]),
    DecoderCase("chunked body", "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", ["POST /c hello world"]),
    DecoderCase("chunked: upper-case hex, extension, trailer",
                "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA;name=v\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n", ["POST /c 0123456789"]),
    DecoderCase("HTTP/1.0 without Host", "GET /old HTTP/1.0\r\n\r\n", ["GET /old "]),
    DecoderCase("empty line before request line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ["GET / "]),
    DecoderCase("absolute-form target", "GET http://a.example/x?y=1 HTTP/1.1\r\nHost: a.example\r\n\r\n", ["GET /x?y=1 "]),
    DecoderCase("absolute-form without path", "GET http://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n", ["GET / "]),
    DecoderCase("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", ["OPTIONS * "]),
    DecoderCase("optional whitespace around value", "GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n", ["GET / "]),
    DecoderCase("empty header value", "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n", ["GET / "]),
    DecoderCase("obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: café\r\n\r\n", ["GET / "]),
    DecoderCase("Expect: 100-continue", "PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", ["PUT /e ok"]),
]

let errorCases: [DecoderCase] = [
    DecoderCase("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
    DecoderCase("conflicting Content-Length headers", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", status: 400),
    DecoderCase("conflicting Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", status: 400),
    DecoderCase("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", status: 400),
    DecoderCase("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", status: 400),
    DecoderCase("signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", status: 400),
    DecoderCase("overflowing Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", status: 400),
    DecoderCase("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", status: 400),
    DecoderCase("unknown transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400),
    DecoderCase("chunked applied twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", status: 400),
    DecoderCase("coding after chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400),
    DecoderCase("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
    DecoderCase("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n", status: 400),
    DecoderCase("space before colon", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 0\r\n\r\n", status: 400),
    DecoderCase("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", status: 400),
    DecoderCase("NUL in a header value", bytes: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b".bytes + [0] + "c\r\n\r\n".bytes, status: 400),
    DecoderCase("bare CR in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", status: 400),
    DecoderCase("bare LF line ending", "GET / HTTP/1.1\nHost: a\n\n", status: 400),
    DecoderCase("control character in a value", bytes: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b".bytes + [0x07] + "\r\n\r\n".bytes, status: 400),
    DecoderCase("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", status: 400),
    DecoderCase("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400),
    DecoderCase("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400),
    DecoderCase("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", status: 400),
    DecoderCase("empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", status: 400),
    DecoderCase("header without colon", "GET / HTTP/1.1\r\nHost: a\r\nJunk\r\n\r\n", status: 400),
    DecoderCase("HTTP/2.0 on this port", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505),
    DecoderCase("garbled version", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("two spaces in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("tab in target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("invalid method character", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("authority-form target", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", status: 400),
    DecoderCase("request line over the limit", "GET /" + String(repeating: "a", count: 80) + " HTTP/1.1\r\nHost: a\r\n\r\n", status: 414),
    DecoderCase("header section over the limit", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 300) + "\r\n\r\n", status: 431),
    DecoderCase("too many header fields", "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X-A: 1\r\n", count: 9) + "\r\n", status: 431),
    DecoderCase("Content-Length over the body limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 33\r\n\r\n", status: 413),
    DecoderCase("chunked body over the limit", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n11\r\n", status: 413),
    DecoderCase("unsupported expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", status: 417),
    DecoderCase("invalid chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400),
    DecoderCase("chunk longer than its size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", status: 400),
    DecoderCase("bare LF after chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", status: 400),
    DecoderCase("chunk size with too many digits", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\nx\r\n0\r\n\r\n", status: 400),
]

let follower = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
let leader = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"

@Suite("Request decoder: each case whole, byte by byte, and concatenated")
struct RequestDecoderTableTests {
    @Test(arguments: validCases)
    func valid(_ c: DecoderCase) {
        let expected = Decoded(requests: c.requests, errorStatus: nil)
        #expect(decode([c.input], limits: limits) == expected, "whole")
        #expect(decode(c.input.map { [$0] }, limits: limits) == expected, "byte by byte")
        // Pipelined after another request, and followed by one.
        let concatenated = leader.bytes + c.input + follower.bytes
        let both = Decoded(requests: ["GET /first "] + c.requests + ["GET /next "], errorStatus: nil)
        #expect(decode([concatenated], limits: limits) == both, "concatenated")
        #expect(decode(concatenated.map { [$0] }, limits: limits) == both, "concatenated, byte by byte")
    }

    @Test(arguments: errorCases)
    func invalid(_ c: DecoderCase) {
        let expected = Decoded(requests: [], errorStatus: c.status)
        #expect(decode([c.input], limits: limits) == expected, "whole")
        #expect(decode(c.input.map { [$0] }, limits: limits) == expected, "byte by byte")
        // After a good request, the good one is still answered, then the error ends the stream;
        // nothing after the bad request is ever parsed as a request (no smuggling).
        let concatenated = leader.bytes + c.input + follower.bytes
        let afterGood = Decoded(requests: ["GET /first "], errorStatus: c.status)
        #expect(decode([concatenated], limits: limits) == afterGood, "concatenated")
        #expect(decode(concatenated.map { [$0] }, limits: limits) == afterGood, "concatenated, byte by byte")
    }

    @Test func headReceivedAnnouncesABodyStillToCome() {
        var decoder = HTTPRequestDecoder(limits: limits)
        decoder.append("PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".bytes)
        guard case .headReceived(let head) = decoder.next() else { Issue.record("expected headReceived"); return }
        #expect(head.expectsContinue)
        #expect(decoder.isReceivingBody)
        decoder.append("ok".bytes)
        guard case .request(_, let body) = decoder.next() else { Issue.record("expected request"); return }
        #expect(body == "ok".bytes)
        #expect(!decoder.hasPartialRequest)
    }

    @Test func keepAliveRulesByVersion() {
        func keepAlive(_ text: String) -> Bool? {
            var decoder = HTTPRequestDecoder(limits: limits)
            decoder.append(text.bytes)
            if case .request(let head, _) = decoder.next() { return head.keepAlive }
            return nil
        }
        #expect(keepAlive("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == true)
        #expect(keepAlive("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") == false)
        #expect(keepAlive("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, Close\r\n\r\n") == false)
        #expect(keepAlive("GET / HTTP/1.0\r\n\r\n") == false)
        #expect(keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") == true)
    }
}
