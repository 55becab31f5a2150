/// Parses a request head (RFC 9112 §2-§5) from the bytes buffered since the request began.
///
/// The contract of picohttpparser: each call returns "need more", the parsed head with the
/// bytes it consumed, or an error; nothing is allocated until the head is complete, and the
/// scan resumes where it stopped, so a sender trickling one byte at a time costs O(1) per byte.
/// Strict on purpose: every ambiguity that enables request smuggling is an error.
public struct HTTPRequestHeadParser: Sendable {
    public enum Result {
        case needMore
        case complete(HTTPRequestHead, consumed: Int)
        case failure(HTTPParseError)
    }

    public let limits: HTTPParserLimits
    private var scanned = 0
    private var lineStart = 0
    private var requestLineStart = 0
    private var requestLineEnd: Int?
    private var headerLines = 0

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    public mutating func reset() {
        self = HTTPRequestHeadParser(limits: limits)
    }

    public mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> Result {
        var i = scanned
        let end = buffer.count
        // Limits are checked at every byte, so the verdict never depends on how the input
        // was split into reads (the fuzz target checks exactly that).
        while i < end {
            guard i < limits.maxHeaderBytes else { return .failure(.headerSectionTooLarge) }
            let byte = buffer[i]
            if byte == ASCII.cr {
                guard i + 1 < end else { break }
                guard buffer[i + 1] == ASCII.lf else { return .failure(.malformed("bare CR in header section")) }
                guard i + 1 < limits.maxHeaderBytes else { return .failure(.headerSectionTooLarge) }
                let lineLength = i - lineStart
                if requestLineEnd == nil {
                    if lineLength == 0 {
                        // RFC 9112 §2.2: ignore at least one empty line before the request line.
                        guard lineStart < 8 else { return .failure(.malformed("too many empty lines before the request")) }
                        requestLineStart = i + 2
                    } else {
                        requestLineEnd = i
                    }
                } else if lineLength == 0 {
                    return finish(buffer, consumed: i + 2)
                } else {
                    headerLines += 1
                    guard headerLines <= limits.maxHeaderCount else { return .failure(.tooManyHeaders) }
                }
                i += 2
                lineStart = i
                continue
            }
            if requestLineEnd == nil, i - lineStart >= limits.maxRequestLineBytes { return .failure(.requestLineTooLong) }
            if byte == ASCII.lf { return .failure(.malformed("bare LF in header section")) }
            if byte == 0 { return .failure(.malformed("NUL in header section")) }
            i += 1
        }
        scanned = i
        return .needMore
    }

    private func finish(_ buffer: UnsafeBufferPointer<UInt8>, consumed: Int) -> Result {
        guard let requestLineEnd else { return .failure(.malformed("missing request line")) }
        let line = UnsafeBufferPointer(rebasing: buffer[requestLineStart..<requestLineEnd])
        let method: String, target: String, version: HTTPVersion
        switch Self.parseRequestLine(line) {
        case .success(let parts): (method, target, version) = parts
        case .failure(let error): return .failure(error)
        }
        var headers = HTTPHeaders()
        var lineBegin = requestLineEnd + 2
        let headEnd = consumed - 2
        while lineBegin < headEnd {
            var lineEnd = lineBegin
            while buffer[lineEnd] != ASCII.cr { lineEnd += 1 }
            switch Self.parseField(UnsafeBufferPointer(rebasing: buffer[lineBegin..<lineEnd])) {
            case .success(let field): headers.add(field.0, field.1)
            case .failure(let error): return .failure(error)
            }
            lineBegin = lineEnd + 2
        }
        switch Self.validate(method: method, target: target, version: version, headers: headers, limits: limits) {
        case .success(let head): return .complete(head, consumed: consumed)
        case .failure(let error): return .failure(error)
        }
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), single spaces only.
    static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) -> Swift.Result<(String, String, HTTPVersion), HTTPParseError> {
        guard let firstSpace = line.firstIndex(of: ASCII.space), firstSpace > 0 else {
            return .failure(.malformed("malformed request line"))
        }
        for b in line[..<firstSpace] where !ASCII.isToken(b) { return .failure(.malformed("invalid method")) }
        let rest = line[(firstSpace + 1)...]
        guard let secondSpace = rest.firstIndex(of: ASCII.space), secondSpace > rest.startIndex else {
            return .failure(.malformed("malformed request line"))
        }
        for b in line[rest.startIndex..<secondSpace] where !ASCII.isTargetByte(b) {
            return .failure(.malformed("invalid character in request target"))
        }
        let versionBytes = line[(secondSpace + 1)...]
        let version: HTTPVersion
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http1_1
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http1_0
        } else if versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
                  versionBytes.dropFirst(5).enumerated().allSatisfy({ $0.offset == 1 ? $0.element == UInt8(ascii: ".") : (48...57).contains($0.element) }) {
            return .failure(.unsupportedVersion)
        } else {
            return .failure(.malformed("malformed HTTP version"))
        }
        let method = String(decoding: line[..<firstSpace], as: UTF8.self)
        var target = String(decoding: line[rest.startIndex..<secondSpace], as: UTF8.self)
        if target.first != "/" {
            if target == "*" {
                guard method == "OPTIONS" else { return .failure(.malformed("asterisk-form is only allowed with OPTIONS")) }
            } else if let path = absoluteFormPath(target) {
                target = path
            } else {
                return .failure(.malformed("unsupported request-target form"))
            }
        }
        return .success((method, target, version))
    }

    /// The path and query of an absolute-form target ("http://host/p?q" -> "/p?q"), RFC 9112 §3.2.2.
    static func absoluteFormPath(_ target: String) -> String? {
        let lower = target.lowercasedASCII()
        let schemeLength: Int
        if lower.hasPrefix("http://") { schemeLength = 7 } else if lower.hasPrefix("https://") { schemeLength = 8 } else { return nil }
        let afterScheme = target.utf8.dropFirst(schemeLength)
        guard !afterScheme.isEmpty, afterScheme.first != UInt8(ascii: "/") else { return nil }
        if let slash = afterScheme.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) {
            let rest = String(decoding: target.utf8[slash...], as: UTF8.self)
            return rest.first == "?" ? "/" + rest : rest
        }
        return "/"
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). No obs-fold, no space before ":".
    static func parseField(_ line: UnsafeBufferPointer<UInt8>) -> Swift.Result<(String, String), HTTPParseError> {
        guard let first = line.first else { return .failure(.malformed("empty header line")) }
        if first == ASCII.space || first == ASCII.tab {
            return .failure(.malformed("obsolete line folding is not allowed"))
        }
        guard let colon = line.firstIndex(of: ASCII.colon) else { return .failure(.malformed("header line without colon")) }
        guard colon > 0 else { return .failure(.malformed("empty header name")) }
        let last = line[colon - 1]
        if last == ASCII.space || last == ASCII.tab {
            return .failure(.malformed("whitespace between header name and colon"))
        }
        for b in line[..<colon] where !ASCII.isToken(b) { return .failure(.malformed("invalid character in header name")) }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == ASCII.space || line[valueStart] == ASCII.tab { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == ASCII.space || line[valueEnd - 1] == ASCII.tab { valueEnd -= 1 }
        for b in line[valueStart..<valueEnd] where !ASCII.isFieldValueByte(b) {
            return .failure(.malformed("invalid character in header value"))
        }
        return .success((String(decoding: line[..<colon], as: UTF8.self),
                         String(decoding: line[valueStart..<valueEnd], as: UTF8.self)))
    }
}
