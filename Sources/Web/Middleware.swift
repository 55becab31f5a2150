import HTTP

/// Wraps handlers: runs before and after the route's handler, may answer on its own.
public protocol Middleware: Sendable {
    func handle(_ request: Request, next: (Request) throws -> HTTPResponse) throws -> HTTPResponse
}
