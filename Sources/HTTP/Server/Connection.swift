import Net

/// One client connection's state. Only the worker thread that holds the connection's
/// one-shot poller event touches `decoder` and the socket's data path; the connection table's
/// lock guards `busy`, `deadline` and `expired`, which the sweeper reads.
///
/// `@unchecked Sendable`: handed between threads only through the poller (one at a time)
/// and the table lock, which orders every access.
final class Connection: @unchecked Sendable {
    let socket: Socket
    let remoteAddress: String
    var decoder: HTTPRequestDecoder
    /// Monotonic ns after which the sweeper closes the connection, while no worker holds it.
    var deadline: UInt64 = 0
    var busy = false
    var expired = false
    /// When the first byte of the request now being received arrived.
    var requestStarted: UInt64?
    var bodyStarted: UInt64?

    init(socket: Socket, remoteAddress: String, limits: HTTPParserLimits) {
        self.socket = socket
        self.remoteAddress = remoteAddress
        decoder = HTTPRequestDecoder(limits: limits)
    }
}
