import Net

/// Encodes a response onto a socket: status line, framing, body (RFC 9112 §4, §6, §7).
struct ResponseWriter {
    let socket: Socket
    let timeoutMilliseconds: Int32

    struct Outcome {
        var bytesWritten = 0
        var mustClose = false
    }

    /// Header fields the server owns; a handler's copies of them are dropped.
    private static let serverOwned: Set<String> = ["content-length", "transfer-encoding", "connection", "date", "x-request-id"]

    func write(_ response: HTTPResponse, for head: HTTPRequestHead?, requestID: String, keepAlive: Bool) throws -> Outcome {
        var outcome = Outcome()
        let isHead = head?.method == "HEAD"
        let clientVersion = head?.version ?? .http1_1
        let allowsBody = HTTPStatus.allowsBody(response.status)
        let bodyBytes: [UInt8]
        var streamed: (@Sendable (BodyWriter) throws -> Void)?
        switch response.body {
        case .bytes(let bytes): bodyBytes = allowsBody ? bytes : []
        case .stream(let producer):
            bodyBytes = []
            if allowsBody { streamed = producer }
        }
        // The head is written straight into the bytes that go out, with the body behind it
        // when it is small: one buffer, one send.
        var out: [UInt8] = []
        let inlineBody = !isHead && bodyBytes.count <= 64 * 1024
        out.reserveCapacity(256 + (inlineBody ? bodyBytes.count : 0))
        func line(_ name: String, _ value: String) {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: [0x3A, 0x20])
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        out.append(contentsOf: "HTTP/1.1 \(response.status) \(HTTPStatus.reason(response.status))\r\n".utf8)
        line("Date", HTTPDate.now())
        line("X-Request-ID", requestID)
        for (name, value) in response.headers where !Self.serverOwned.contains(name.lowercasedASCII()) {
            line(Self.clean(name), Self.clean(value))
        }
        var close = !keepAlive
        if case .bytes = response.body, allowsBody {
            line("Content-Length", String(bodyBytes.count))
        } else if streamed != nil {
            if clientVersion == .http1_1 {
                line("Transfer-Encoding", "chunked")
            } else {
                close = true // HTTP/1.0 has no chunked coding: the end of the body is the close
            }
        }
        if close {
            line("Connection", "close")
        } else if clientVersion == .http1_0 {
            line("Connection", "keep-alive")
        }
        out.append(contentsOf: [0x0D, 0x0A])
        outcome.mustClose = close

        if inlineBody {
            out.append(contentsOf: bodyBytes)
        } else if !isHead {
            try socket.sendAll(out, timeoutMilliseconds: timeoutMilliseconds)
            outcome.bytesWritten += out.count
            out = bodyBytes
        }
        try socket.sendAll(out, timeoutMilliseconds: timeoutMilliseconds)
        outcome.bytesWritten += out.count

        if let streamed, !isHead {
            let writer = StreamWriter(socket: socket, chunked: clientVersion == .http1_1, timeoutMilliseconds: timeoutMilliseconds)
            do {
                try streamed(writer)
                try writer.finish()
            } catch {
                // The status line is gone already: the only honest signal left is an
                // unterminated body, so the connection is closed without the last chunk.
                outcome.bytesWritten += writer.bytesWritten
                outcome.mustClose = true
                throw error
            }
            outcome.bytesWritten += writer.bytesWritten
        }
        return outcome
    }

    /// Replaces CR, LF and NUL so that no handler can split a response.
    static func clean(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else { return text }
        return String(decoding: text.utf8.map { $0 == 0x0D || $0 == 0x0A || $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}

/// Collects streamed body pieces into chunks of at least 16 KiB (fewer syscalls and frames).
final class StreamWriter: BodyWriter {
    private let socket: Socket
    private let chunked: Bool
    private let timeoutMilliseconds: Int32
    private var pending: [UInt8] = []
    private(set) var bytesWritten = 0
    private static let threshold = 16 * 1024

    init(socket: Socket, chunked: Bool, timeoutMilliseconds: Int32) {
        self.socket = socket
        self.chunked = chunked
        self.timeoutMilliseconds = timeoutMilliseconds
        pending.reserveCapacity(Self.threshold + 1024)
    }

    func write(_ bytes: [UInt8]) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.threshold { try flushPending() }
    }

    func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= Self.threshold { try flushPending() }
    }

    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        var frame: [UInt8] = []
        if chunked {
            frame.reserveCapacity(pending.count + 16)
            frame.append(contentsOf: String(pending.count, radix: 16).utf8)
            frame.append(contentsOf: [0x0D, 0x0A])
            frame.append(contentsOf: pending)
            frame.append(contentsOf: [0x0D, 0x0A])
        } else {
            frame = pending
        }
        try socket.sendAll(frame, timeoutMilliseconds: timeoutMilliseconds)
        bytesWritten += frame.count
        pending.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try flushPending()
        if chunked {
            let last: [UInt8] = Array("0\r\n\r\n".utf8)
            try socket.sendAll(last, timeoutMilliseconds: timeoutMilliseconds)
            bytesWritten += last.count
        }
    }
}
