#if canImport(Glibc)
import Glibc
#endif
import Net
import Synchronization

/// An HTTP/1.1 server over POSIX sockets (RFC 9112).
///
/// Threads: `workerThreads` threads each wait on one epoll instance for one event at a time
/// (registrations are one-shot), read, parse, run the responder and write, then hand the
/// connection back. Idle connections cost a table entry, not a thread; a handler that blocks
/// holds only its own thread. One sweeper thread enforces deadlines and flushes the access log.
public final class HTTPServer: @unchecked Sendable {
    // Sendable: configuration is immutable; mutable state is in Mutex/Atomic or confined to
    // the thread holding a connection's one-shot event.
    public let configuration: HTTPServerConfiguration
    private let responder: HTTPResponder
    private let accessLog: AccessLogSink?
    private let poller: Poller
    private let table = ConnectionTable()
    private let listenerLock = Mutex<Socket?>(nil)
    private let draining = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let runningThreads = Atomic<Int>(0)
    private let stopSignal = Mutex<Bool>(false)
    /// Set before `draining`, so the sweeper never sees draining with no deadline yet.
    private let drainDeadline = Atomic<UInt64>(.max)
    private let scheduler: WorkerScheduler
    private static let listenerToken = UInt64.max

    public init(configuration: HTTPServerConfiguration, responder: HTTPResponder, accessLog: AccessLogSink? = nil) throws {
        self.configuration = configuration
        self.responder = responder
        self.accessLog = accessLog
        poller = try Poller()
        scheduler = WorkerScheduler(threads: max(1, configuration.workerThreads), pollers: configuration.pollingThreads)
    }

    public var openConnections: Int { table.count }

    /// Binds, starts the threads, and returns the bound address (the real port when 0 was asked).
    @discardableResult
    public func start() throws -> SocketAddress {
        guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw SocketError("bind: not a numeric address: \(configuration.host)", errno: EINVAL)
        }
        Self.ignoreSIGPIPE()
        Self.raiseDescriptorLimit()
        let listener = try Socket.listening(on: address, backlog: configuration.backlog)
        let bound = try listener.localAddress()
        listenerLock.withLock { $0 = listener }
        try poller.register(listener.fd, token: Self.listenerToken)
        for index in 0..<max(1, configuration.workerThreads) {
            runningThreads.add(1, ordering: .relaxed)
            OSThread.spawn(name: "http-worker-\(index)") { [self] in
                workerLoop(index)
                runningThreads.subtract(1, ordering: .relaxed)
            }
        }
        OSThread.spawn(name: "http-sweeper") { [self] in sweeperLoop() }
        OSThread.spawn(name: "http-monitor") { [self] in
            while !stopped.load(ordering: .relaxed) {
                usleep(2_000)
                scheduler.rebalance()
            }
        }
        return bound
    }

    /// Stops accepting, closes idle connections, lets in-flight requests finish (up to
    /// `shutdownGrace`). Returns at once; `waitUntilStopped()` blocks until done.
    public func beginShutdown() {
        let deadline = MonotonicClock.now() + UInt64(configuration.shutdownGrace * 1e9)
        guard drainDeadline.compareExchange(expected: .max, desired: deadline, ordering: .acquiringAndReleasing).exchanged else { return }
        draining.store(true, ordering: .releasing)
        listenerLock.withLock { listener in
            if let listener {
                poller.deregister(listener.fd)
                listener.close()
            }
            listener = nil
        }
    }

    public func waitUntilStopped() {
        while !stopped.load(ordering: .acquiring) || runningThreads.load(ordering: .relaxed) > 0 {
            usleep(20_000)
        }
        accessLog?.flush()
    }

    // MARK: - Workers

    private func workerLoop(_ index: Int) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { scratch.deallocate() }
        let isStopped = { self.stopped.load(ordering: .relaxed) }
        scheduler.register(index)
        guard scheduler.acquireSlot(stopped: isStopped) else { return }
        while !isStopped() {
            guard let event = poller.waitForOne(timeoutMilliseconds: 250) else { continue }
            scheduler.handlerStarted(index)
            if event.token == Self.listenerToken {
                acceptPending()
            } else if let connection = table.claim(Int32(truncatingIfNeeded: event.token)) {
                serve(connection, scratch: scratch)
            }
            if scheduler.handlerFinished(index) {
                guard scheduler.acquireSlot(stopped: isStopped) else { return }
            }
        }
        scheduler.releaseSlot()
    }

    private func acceptPending() {
        listenerLock.withLock { listener in
            guard let listener else { return }
            for _ in 0..<256 {
                let accepted: (Socket, SocketAddress?)?
                do {
                    accepted = try listener.accept()
                } catch let error as SocketError where error.errno == EMFILE || error.errno == ENFILE {
                    break // out of descriptors: leave the rest in the backlog until some close
                } catch {
                    continue // ECONNABORTED and friends concern one client only
                }
                guard let (socket, address) = accepted else { break }
                if table.count >= configuration.maxConnections {
                    _ = Self.overloaded.withUnsafeBytes { try? socket.send($0) }
                    socket.close()
                    continue
                }
                try? socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                let connection = Connection(socket: socket, remoteAddress: address?.host ?? "-", limits: configuration.limits)
                connection.deadline = MonotonicClock.now() + nanoseconds(configuration.headerTimeout)
                table.insert(connection)
                do {
                    try poller.register(socket.fd, token: UInt64(socket.fd))
                } catch {
                    table.remove(connection)
                }
            }
            try? poller.rearm(listener.fd, token: Self.listenerToken)
        }
    }

    private static let overloaded: [UInt8] = Array(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 20\r\nConnection: close\r\nRetry-After: 1\r\n\r\ntoo many connections".utf8)

    /// Reads what arrived, answers every complete request in order, and hands the connection
    /// back to the poller (or closes it).
    private func serve(_ connection: Connection, scratch: UnsafeMutableRawBufferPointer) {
        if connection.expired {
            table.remove(connection)
            return
        }
        var endOfStream = false
        for _ in 0..<16 {
            let count: Int?
            do {
                count = try connection.socket.read(into: scratch)
            } catch {
                table.remove(connection)
                return
            }
            guard let count else { break }
            if count == 0 {
                endOfStream = true
                break
            }
            if connection.requestStarted == nil { connection.requestStarted = MonotonicClock.now() }
            connection.decoder.append(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            guard processBuffered(connection) else {
                table.remove(connection)
                return
            }
            if count < scratch.count { break }
        }
        if endOfStream || draining.load(ordering: .relaxed) && !connection.decoder.hasPartialRequest {
            table.remove(connection)
            return
        }
        let now = MonotonicClock.now()
        let deadline: UInt64
        if connection.decoder.isReceivingBody {
            if connection.bodyStarted == nil { connection.bodyStarted = now }
            deadline = connection.bodyStarted! + nanoseconds(configuration.bodyTimeout)
        } else if connection.decoder.hasPartialRequest, let started = connection.requestStarted {
            deadline = started + nanoseconds(configuration.headerTimeout)
        } else {
            connection.requestStarted = nil
            deadline = now + nanoseconds(configuration.idleTimeout)
        }
        table.release(connection, deadline: deadline)
        do {
            try poller.rearm(connection.socket.fd, token: UInt64(connection.socket.fd))
        } catch {
            _ = table.claim(connection.socket.fd)
            table.remove(connection)
        }
    }

    /// Handles every complete request in the buffer; false when the connection must close.
    private func processBuffered(_ connection: Connection) -> Bool {
        while true {
            switch connection.decoder.next() {
            case .needMore:
                return true
            case .headReceived(let head):
                if head.expectsContinue {
                    do {
                        try connection.socket.sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), timeoutMilliseconds: writeTimeoutMs)
                    } catch {
                        return false
                    }
                }
            case .request(let head, let body):
                let keepOpen = handle(connection, head: head, body: body)
                connection.requestStarted = connection.decoder.hasPartialRequest ? MonotonicClock.now() : nil
                connection.bodyStarted = nil
                if !keepOpen { return false }
            case .failure(let error):
                respondToParseError(error, on: connection)
                return false
            }
        }
    }

    private var writeTimeoutMs: Int32 { Int32(min(configuration.writeTimeout * 1000, Double(Int32.max))) }

    private func handle(_ connection: Connection, head: HTTPRequestHead, body: [UInt8]) -> Bool {
        let started = MonotonicClock.now()
        let clientID = head.headers["X-Request-ID"]
        let requestID = clientID.flatMap { RequestID.isAcceptable($0) ? $0 : nil } ?? RequestID.make()
        let request = HTTPRequest(head: head, body: body, requestID: requestID, remoteAddress: connection.remoteAddress)
        let response = responder.respond(to: request)
        let keepAlive = head.keepAlive && !draining.load(ordering: .relaxed)
            && !(response.headers["Connection"]?.lowercasedASCII().contains("close") ?? false)
        let writer = ResponseWriter(socket: connection.socket, timeoutMilliseconds: writeTimeoutMs)
        var outcome = ResponseWriter.Outcome(bytesWritten: 0, mustClose: true)
        var failed = false
        do {
            outcome = try writer.write(response, for: head, requestID: requestID, keepAlive: keepAlive)
        } catch {
            failed = true
        }
        log(requestID: requestID, method: head.method, path: String(head.path), status: response.status,
            bytes: outcome.bytesWritten, started: started, remote: connection.remoteAddress)
        return !failed && !outcome.mustClose
    }

    private func respondToParseError(_ error: HTTPParseError, on connection: Connection) {
        let requestID = RequestID.make()
        let response = HTTPResponse(status: error.status, contentType: "text/plain; charset=utf-8", text: error.message + "\n")
        let writer = ResponseWriter(socket: connection.socket, timeoutMilliseconds: writeTimeoutMs)
        let outcome = try? writer.write(response, for: nil, requestID: requestID, keepAlive: false)
        log(requestID: requestID, method: "-", path: "-", status: error.status, bytes: outcome?.bytesWritten ?? 0,
            started: MonotonicClock.now(), remote: connection.remoteAddress)
        // Let the client read the answer before the close resets unread input (RFC 9112 §9.6).
        connection.socket.shutdown(Int32(SHUT_WR))
    }

    private func log(requestID: String, method: String, path: String, status: Int, bytes: Int, started: UInt64, remote: String) {
        guard let accessLog else { return }
        let elapsed = Double(MonotonicClock.now() - started) / 1e6
        accessLog.record(AccessLogEntry(time: HTTPDate.iso8601(), requestID: requestID, method: method, path: path,
                                        status: status, bytes: bytes, durationMilliseconds: elapsed, remoteAddress: remote))
    }

    // MARK: - Deadlines and shutdown

    private static let timeoutResponse: [UInt8] = Array(
        "HTTP/1.1 408 Request Timeout\r\nContent-Length: 16\r\nConnection: close\r\n\r\nrequest timeout\n".utf8)

    private func sweeperLoop() {
        while true {
            usleep(100_000)
            let now = MonotonicClock.now()
            let isDraining = draining.load(ordering: .acquiring)
            let drainDeadline = drainDeadline.load(ordering: .relaxed)
            table.forEachIdle { connection in
                guard !connection.expired else { return }
                let idle = !connection.decoder.hasPartialRequest
                if connection.deadline <= now || (isDraining && (idle || now >= drainDeadline)) {
                    connection.expired = true
                    if !idle {
                        _ = Self.timeoutResponse.withUnsafeBytes { try? connection.socket.send($0) }
                    }
                    connection.socket.shutdown()
                }
            }
            accessLog?.flush()
            if isDraining, table.count == 0 || now >= drainDeadline {
                stopped.store(true, ordering: .releasing)
                return
            }
        }
    }

    private func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }

    private static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// 1,000 idle clients need 1,000 descriptors: lift the soft limit to the hard one.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = min(limit.rlim_max, 1 << 20)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
