import HTTP
import Synchronization

/// Lookout's own access log, stored in its logs (service `lookout`) so the console can
/// search itself: every request with its request ID, status and time. Requests only add
/// to a bounded buffer; a background thread loads it with COPY about once a second, so a
/// slow or absent database never slows a request. Static files are left out.
final class SelfLog: AccessLogSink {
    private let next: AccessLogSink?
    private let store: LogStore
    private let pending = Mutex<[LogRecord]>([])
    private let dropped = Atomic<Int>(0)
    /// Lines kept while the database does not take them; older ones are dropped beyond this.
    static let capacity = 100_000

    init(store: LogStore, next: AccessLogSink?) {
        self.store = store
        self.next = next
    }

    func record(_ entry: AccessLogEntry) {
        next?.record(entry)
        guard !entry.path.hasPrefix("/public/"), entry.path != "/favicon.ico" else { return }
        let level: LogLevel = entry.status >= 500 ? .error : entry.status >= 400 ? .warning : .info
        let duration = (entry.durationMilliseconds * 1000).rounded() / 1000
        let record = LogRecord(
            microseconds: UTCTime.parse(entry.time) ?? 0, level: level, service: "lookout",
            message: "\(entry.method) \(entry.path) \(entry.status) in \(duration) ms",
            requestID: entry.requestID, userID: nil, tenant: nil, jobID: nil, stack: nil,
            context: "{\"method\":\"\(JSONText.escape(entry.method))\",\"path\":\"\(JSONText.escape(entry.path))\",\"status\":\(entry.status),"
                + "\"bytes\":\(entry.bytes),\"duration_ms\":\(duration),\"remote\":\"\(JSONText.escape(entry.remoteAddress))\"}")
        let full = pending.withLock { lines -> Bool in
            guard lines.count < Self.capacity else { return true }
            lines.append(record)
            return false
        }
        if full { dropped.add(1, ordering: .relaxed) }
    }

    func flush() { next?.flush() }

    /// Loads what is waiting; on failure keeps it for the next round (within capacity).
    func ship() {
        let batch = pending.withLock { lines -> [LogRecord] in
            defer { lines = [] }
            return lines
        }
        guard !batch.isEmpty else { return }
        do {
            try store.insert(batch)
        } catch {
            pending.withLock { lines in
                let room = max(0, Self.capacity - lines.count)
                lines.insert(contentsOf: batch.suffix(room), at: 0)
                if batch.count > room { dropped.add(batch.count - room, ordering: .relaxed) }
            }
        }
        let lost = dropped.exchange(0, ordering: .relaxed)
        if lost > 0 {
            StandardStreams.writeError("{\"level\":\"warning\",\"service\":\"lookout\",\"message\":\"\(lost) access log lines not stored in the logs: the database did not keep up\"}\n")
        }
    }
}
