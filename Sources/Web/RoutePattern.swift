/// A path pattern: literal segments, `:name` captures one segment, a final `*name` captures
/// the rest. Matching works on raw segments and percent-decodes captures afterwards, so an
/// encoded "%2F" never creates a segment.
public struct RoutePattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(String)
        case rest(String)
    }

    let segments: [Segment]
    public let description: String

    public init(_ pattern: String) {
        description = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix(":") { return .capture(String(part.dropFirst())) }
            if part.hasPrefix("*") { return .rest(String(part.dropFirst())) }
            return .literal(String(part))
        }
    }

    /// The captures when `path` matches; nil when not. Throws 400 for malformed escapes.
    func match(_ rawSegments: [Substring]) throws(HTTPError) -> [String: String]? {
        var captures: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < rawSegments.count, rawSegments[index] == text else { return nil }
            case .capture(let name):
                guard index < rawSegments.count else { return nil }
                captures[name] = try Self.decode(rawSegments[index])
            case .rest(let name):
                guard index < rawSegments.count else { return nil }
                captures[name] = try rawSegments[index...].map { raw throws(HTTPError) in try Self.decode(raw) }.joined(separator: "/")
                return captures
            }
        }
        return rawSegments.count == segments.count ? captures : nil
    }

    private static func decode(_ raw: Substring) throws(HTTPError) -> String {
        do {
            return try URLEncoding.percentDecode(raw)
        } catch {
            throw HTTPError.badRequest("malformed percent-encoding in path")
        }
    }
}
