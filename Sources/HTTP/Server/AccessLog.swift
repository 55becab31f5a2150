#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One line per request (time, request id, method, path, status, bytes, duration).
public struct AccessLogEntry: Sendable {
    public var time: String
    public var requestID: String
    public var method: String
    public var path: String
    public var status: Int
    public var bytes: Int
    public var durationMilliseconds: Double
    public var remoteAddress: String

    /// The entry as one JSON object on one line.
    public var jsonLine: String {
        let duration = (durationMilliseconds * 1000).rounded() / 1000
        return "{\"time\":\"\(time)\",\"level\":\"info\",\"service\":\"lookout\",\"request_id\":\"\(JSONText.escape(requestID))\","
            + "\"method\":\"\(JSONText.escape(method))\",\"path\":\"\(JSONText.escape(path))\",\"status\":\(status),"
            + "\"bytes\":\(bytes),\"duration_ms\":\(duration),\"remote\":\"\(JSONText.escape(remoteAddress))\"}\n"
    }
}

public protocol AccessLogSink: Sendable {
    func record(_ entry: AccessLogEntry)
    func flush()
}

/// Buffers JSON lines and writes them to a file descriptor (stdout by default) in batches:
/// when 64 KiB are waiting, or when `flush()` runs (the server calls it every 250 ms).
public final class JSONLinesAccessLog: AccessLogSink {
    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let writeLock = Mutex<Void>(())

    public init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
    }

    public func record(_ entry: AccessLogEntry) {
        let line = entry.jsonLine
        let full = buffer.withLock { pending -> [UInt8]? in
            pending.append(contentsOf: line.utf8)
            guard pending.count >= 64 * 1024 else { return nil }
            defer { pending = [] }
            return pending
        }
        if let full { write(full) }
    }

    public func flush() {
        let pending = buffer.withLock { pending -> [UInt8] in
            defer { pending = [] }
            return pending
        }
        if !pending.isEmpty { write(pending) }
    }

    private func write(_ bytes: [UInt8]) {
        writeLock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return }
                    offset += n
                }
            }
        }
    }
}

/// JSON string escaping (RFC 8259 §7). `<`, `>` and `&` are written as \u escapes too:
/// valid JSON either way, and a job payload holding "</script>" stays inert even where a
/// client pastes our JSON into HTML.
public enum JSONText {
    public static func escape(_ text: String) -> String {
        var needs = false
        for b in text.utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "<")
            || b == UInt8(ascii: ">") || b == UInt8(ascii: "&") { needs = true; break }
        guard needs else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// Unbuffered writes to stdout/stderr, safe from any thread.
public enum StandardStreams {
    public static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }
    public static func writeOutput(_ text: String) { write(text, to: STDOUT_FILENO) }

    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}
