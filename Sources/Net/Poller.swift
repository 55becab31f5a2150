#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// A thin owner of an epoll instance. Registrations are one-shot: after an event is
/// delivered to one thread, the descriptor stays silent until `rearm`, so exactly one
/// thread works on a connection at a time (the leader/follower pattern).
public final class Poller: @unchecked Sendable {
    // Sendable: the epoll descriptor is immutable; epoll_ctl/epoll_wait are thread-safe.
    public let fd: Int32

    public struct Event: Sendable {
        public let token: UInt64
        public let readable: Bool
        public let hangup: Bool
    }

    public init() throws {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SocketError("epoll_create1", errno: errno) }
    }

    deinit {
        Glibc.close(fd)
    }

    private static let readMask = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue

    public func register(_ descriptor: Int32, token: UInt64) throws {
        try control(EPOLL_CTL_ADD, descriptor, token: token)
    }

    public func rearm(_ descriptor: Int32, token: UInt64) throws {
        try control(EPOLL_CTL_MOD, descriptor, token: token)
    }

    public func deregister(_ descriptor: Int32) {
        _ = epoll_ctl(fd, EPOLL_CTL_DEL, descriptor, nil)
    }

    private func control(_ op: Int32, _ descriptor: Int32, token: UInt64) throws {
        var event = epoll_event()
        event.events = Poller.readMask
        event.data.u64 = token
        guard epoll_ctl(fd, op, descriptor, &event) == 0 else {
            throw SocketError("epoll_ctl", errno: errno)
        }
    }

    /// Waits for one event (one at a time, so a blocked handler never holds other ready
    /// connections hostage). Returns nil on timeout or signal interruption.
    public func waitForOne(timeoutMilliseconds: Int32) -> Event? {
        var event = epoll_event()
        let n = epoll_wait(fd, &event, 1, timeoutMilliseconds)
        guard n == 1 else { return nil }
        let bits = event.events
        return Event(
            token: event.data.u64,
            readable: bits & EPOLLIN.rawValue != 0,
            hangup: bits & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        )
    }
}
