#if canImport(Glibc)
import Glibc
#endif

/// An error from a socket system call, carrying the call's name and errno.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}

/// Runs a system call, retrying on EINTR (the shape of swift-nio's `syscall(blocking:)`).
/// Returns nil for EAGAIN/EWOULDBLOCK so that callers can wait; throws for anything else.
@inline(__always)
public func retryingSyscall<T: BinaryInteger>(_ name: String, _ body: () -> T) throws -> T? {
    while true {
        let result = body()
        if result >= 0 { return result }
        let err = Glibc.errno
        switch err {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK: return nil
        default: throw SocketError(name, errno: err)
        }
    }
}
