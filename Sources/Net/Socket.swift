#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// Owns one socket file descriptor; `close()` or deinit releases it exactly once.
///
/// `@unchecked Sendable`: the descriptor is an immutable Int32 and the kernel serialises
/// calls on it; `closed` is only written by the one owner that closes.
public final class Socket: @unchecked Sendable {
    public let fd: Int32
    private var closed = false

    public init(adopting fd: Int32) {
        self.fd = fd
    }

    deinit {
        if !closed { Glibc.close(fd) }
    }

    /// A listening TCP socket bound to `address`, non-blocking, close-on-exec, SO_REUSEADDR.
    public static func listening(on address: SocketAddress, backlog: Int32 = 1024) throws -> Socket {
        let fd = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno: errno) }
        let socket = Socket(adopting: fd)
        try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
        let rc = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw SocketError("bind \(address)", errno: errno) }
        guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen", errno: errno) }
        return socket
    }

    /// A blocking client connection (used by tests and probes).
    public static func connect(to address: SocketAddress) throws -> Socket {
        let fd = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno: errno) }
        let socket = Socket(adopting: fd)
        let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else { throw SocketError("connect \(address)", errno: errno) }
        return socket
    }

    /// Accepts one pending connection, non-blocking; nil when none is waiting.
    public func accept() throws -> (Socket, SocketAddress?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try retryingSyscall("accept4") {
                    lookout_accept4(self.fd, address, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
        }
        guard let fd else { return nil }
        return (Socket(adopting: fd), SocketAddress(storage: storage))
    }

    public func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt", errno: errno)
        }
    }

    /// The bound local address (after binding to port 0, the port the kernel chose).
    public func localAddress() throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0, let address = SocketAddress(storage: storage) else { throw SocketError("getsockname", errno: errno) }
        return address
    }

    /// Reads what is available into `buffer`; 0 means end of stream, nil means "would block".
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        try retryingSyscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Sends without raising SIGPIPE; returns bytes sent, nil when the send buffer is full.
    public func send(_ bytes: UnsafeRawBufferPointer) throws -> Int? {
        try retryingSyscall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Waits until the socket can be written, up to `timeoutMilliseconds`; false on timeout.
    public func waitWritable(timeoutMilliseconds: Int32) throws -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard let n = try retryingSyscall("poll", { Glibc.poll(&pfd, 1, timeoutMilliseconds) }) else { return false }
        return n > 0
    }

    /// Sends every byte, waiting for the peer to read when its window is full.
    /// Throws `SocketError("send", ETIMEDOUT)` when a wait exceeds `timeoutMilliseconds`.
    public func sendAll(_ bytes: UnsafeRawBufferPointer, timeoutMilliseconds: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            if let sent = try send(rest) {
                offset += sent
            } else if try !waitWritable(timeoutMilliseconds: timeoutMilliseconds) {
                throw SocketError("send", errno: ETIMEDOUT)
            }
        }
    }

    public func sendAll(_ bytes: [UInt8], timeoutMilliseconds: Int32) throws {
        try bytes.withUnsafeBytes { try sendAll($0, timeoutMilliseconds: timeoutMilliseconds) }
    }

    /// Half- or full-closes the connection; wakes any poller waiting on it.
    public func shutdown(_ how: Int32 = Int32(SHUT_RDWR)) {
        _ = Glibc.shutdown(fd, how)
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}
