import HTTP
import Web

/// Builds a request as the server would hand it over.
func makeRequest(_ method: String = "GET", _ target: String, headers: [(String, String)] = [], body: String = "") -> HTTPRequest {
    var all = HTTPHeaders([("Host", "t")] + headers)
    if !body.isEmpty { all.add("Content-Length", String(body.utf8.count)) }
    let head = HTTPRequestHead(method: method, target: target, version: .http1_1, headers: all,
                               framing: body.isEmpty ? .none : .contentLength(body.utf8.count), expectsContinue: false, keepAlive: true)
    return HTTPRequest(head: head, body: Array(body.utf8), requestID: "test-req-1", remoteAddress: "127.0.0.1")
}

extension HTTPResponse {
    var bodyText: String {
        if case .bytes(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
        return "<stream>"
    }
}
