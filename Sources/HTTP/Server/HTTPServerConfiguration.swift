import CSystem

/// Everything the server can be tuned by, with defaults meant for production.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    /// 0 lets the kernel choose (tests).
    public var port: UInt16
    public var backlog: Int32
    public var limits: HTTPParserLimits
    /// Threads that wait on the poller and run handlers. Handlers may block on a database,
    /// so this bounds concurrent handlers, not connections (idle connections hold no thread).
    public var workerThreads: Int
    /// Threads that poll at once when no handler is blocked (about one per core); a handler
    /// blocked for more than 2 ms lends its slot to a parked worker.
    public var pollingThreads: Int
    public var maxConnections: Int
    /// A request head must arrive whole within this time of its first byte (slowloris).
    public var headerTimeout: Double
    /// A request body must arrive whole within this time of its head.
    public var bodyTimeout: Double
    /// An idle keep-alive connection is closed after this time.
    public var idleTimeout: Double
    /// A write to a client that stopped reading gives up after this time.
    public var writeTimeout: Double
    /// On shutdown, in-flight requests get this long to finish.
    public var shutdownGrace: Double

    public init(host: String = "127.0.0.1", port: UInt16 = 8080, backlog: Int32 = 1024,
                limits: HTTPParserLimits = HTTPParserLimits(), workerThreads: Int = 16, pollingThreads: Int? = nil,
                maxConnections: Int = 10_000, headerTimeout: Double = 10, bodyTimeout: Double = 60,
                idleTimeout: Double = 60, writeTimeout: Double = 30, shutdownGrace: Double = 10) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.limits = limits
        self.workerThreads = workerThreads
        self.pollingThreads = pollingThreads ?? max(2, Int(lookout_available_cpus()))
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.shutdownGrace = shutdownGrace
    }
}
