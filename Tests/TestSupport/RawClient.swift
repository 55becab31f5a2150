#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Net

/// A parsed response as the tests see it.
public struct RawResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct ClientError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking client over a real socket that sends exact bytes and reads responses, with a
/// receive timeout so that no test can hang.
public final class RawClient: @unchecked Sendable {
    public let socket: Socket
    private var buffer: [UInt8] = []

    public init(port: UInt16, receiveTimeout: Double = 15) throws {
        socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port)!)
        var tv = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1e6))
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(socket.fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw ClientError("send failed: errno \(errno)") }
                offset += n
            }
        }
    }

    /// Reads more bytes; false at end of stream. Throws on timeout.
    @discardableResult
    public func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.recv(socket.fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError("timed out waiting for the server") }
            if errno == ECONNRESET { return false }
            throw ClientError("recv failed: errno \(errno)")
        }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// True when the server closed the connection (reads end of stream, or a reset).
    public func isClosedByServer() throws -> Bool {
        while true {
            if !buffer.isEmpty { return false }
            if try !fill() { return true }
        }
    }

    /// Reads bytes until the peer closes; returns everything unread.
    public func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// Reads one response. `head` must be true when it answers a HEAD request (no body).
    public func readResponse(head: Bool = false) throws -> RawResponse {
        let headEnd = try readUntil([13, 10, 13, 10])
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ClientError("bad status line: \(headText)") }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingOWS())
        }
        if head || status == 304 || status == 204 || status / 100 == 1 {
            return RawResponse(status: status, headers: headers, body: [])
        }
        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while true {
                let lineEnd = try readUntil([13, 10])
                let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw ClientError("bad chunk size \(sizeText)") }
                buffer.removeFirst(lineEnd + 2)
                if size == 0 {
                    _ = try readUntil([13, 10])
                    buffer.removeFirst(2)
                    return RawResponse(status: status, headers: headers, body: body)
                }
                while buffer.count < size + 2 { guard try fill() else { throw ClientError("closed inside a chunk") } }
                body.append(contentsOf: buffer[0..<size])
                buffer.removeFirst(size + 2)
            }
        }
        if let lengthText = headers["Content-Length"], let length = Int(lengthText) {
            while buffer.count < length { guard try fill() else { throw ClientError("closed inside the body") } }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            return RawResponse(status: status, headers: headers, body: body)
        }
        return RawResponse(status: status, headers: headers, body: try readToEnd())
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                var i = max(0, searchFrom)
                while i + marker.count <= buffer.count {
                    if buffer[i] == marker[0] && Array(buffer[i..<(i + marker.count)]) == marker { return i }
                    i += 1
                }
                searchFrom = max(0, buffer.count - marker.count + 1)
            }
            guard try fill() else { throw ClientError("connection closed before a complete response") }
        }
    }

    public func close() { socket.close() }
}
