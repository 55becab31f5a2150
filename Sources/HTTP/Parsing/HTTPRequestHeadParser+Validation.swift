extension HTTPRequestHeadParser {
    /// Message-level rules of RFC 9112 §3.2, §6 and RFC 9110 §10.1.1, checked once the head is whole.
    static func validate(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders,
                         limits: HTTPParserLimits) -> Swift.Result<HTTPRequestHead, HTTPParseError> {
        // §3.2: a 1.1 request needs exactly one Host; more than one is never acceptable.
        let hosts = headers.values("Host")
        if version == .http1_1, hosts.count != 1 { return .failure(.malformed("exactly one Host header is required")) }
        if hosts.count > 1 { return .failure(.malformed("more than one Host header")) }
        if let host = hosts.first, !isValidHost(host) { return .failure(.malformed("invalid Host header")) }

        let transferEncodings = headers.values("Transfer-Encoding")
        let contentLengths = headers.values("Content-Length")
        let framing: BodyFraming
        if !transferEncodings.isEmpty {
            // §6.1: Transfer-Encoding in 1.0 or beside Content-Length is how requests get smuggled.
            guard version == .http1_1 else { return .failure(.malformed("Transfer-Encoding is not allowed in HTTP/1.0")) }
            guard contentLengths.isEmpty else { return .failure(.malformed("both Content-Length and Transfer-Encoding")) }
            guard headers.tokens("Transfer-Encoding") == ["chunked"] else { return .failure(.malformed("unsupported transfer coding")) }
            framing = .chunked
        } else if !contentLengths.isEmpty {
            // §6.3: a list of identical values may be collapsed; anything else is an error.
            var length: Int?
            for element in contentLengths.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
                guard let value = parseContentLength(element.trimmingOWS()) else { return .failure(.malformed("invalid Content-Length")) }
                if let length, length != value { return .failure(.malformed("conflicting Content-Length values")) }
                length = value
            }
            guard let length else { return .failure(.malformed("invalid Content-Length")) }
            guard length <= limits.maxBodyBytes else { return .failure(.bodyTooLarge) }
            framing = length == 0 ? .none : .contentLength(length)
        } else {
            framing = .none
        }

        var expectsContinue = false
        let expectations = headers.tokens("Expect")
        if !expectations.isEmpty {
            guard expectations == ["100-continue"] else { return .failure(.expectationFailed) }
            // RFC 9110 §10.1.1: a 1.0 request's 100-continue is ignored.
            expectsContinue = version == .http1_1 && framing != .none
        }

        let connection = headers.tokens("Connection")
        let keepAlive = version == .http1_1 ? !connection.contains("close") : connection.contains("keep-alive")
        return .success(HTTPRequestHead(method: method, target: target, version: version, headers: headers,
                                        framing: framing, expectsContinue: expectsContinue, keepAlive: keepAlive))
    }

    /// 1*DIGIT with no sign, no spaces, and no overflow.
    static func parseContentLength(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    /// uri-host [ ":" port ]: reg-name, IPv4 or a bracketed IPv6 literal; nothing that could
    /// change the meaning of a URL built from it (no "/", "@", "?", "#", spaces).
    static func isValidHost(_ host: String) -> Bool {
        if host.isEmpty { return true }
        guard host.utf8.count <= 255 else { return false }
        return host.utf8.allSatisfy { b in
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "-._~!$&'()*+,;=:[]%".utf8.contains(b)
            }
        }
    }
}
