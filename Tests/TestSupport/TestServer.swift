#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Net

/// An HTTPServer on 127.0.0.1 and a kernel-chosen port, for integration tests.
public final class TestServer: @unchecked Sendable {
    public let server: HTTPServer
    public let port: UInt16

    public init(configuration: HTTPServerConfiguration = HTTPServerConfiguration(), responder: HTTPResponder,
                accessLog: AccessLogSink? = nil) throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        server = try HTTPServer(configuration: configuration, responder: responder, accessLog: accessLog)
        port = try server.start().port
    }

    public func connect() throws -> RawClient {
        try RawClient(port: port)
    }

    public func stop() {
        server.beginShutdown()
        server.waitUntilStopped()
    }
}

/// Answers with a closure; the simplest responder for server tests.
public struct ClosureResponder: HTTPResponder {
    let body: @Sendable (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.body = body
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}
