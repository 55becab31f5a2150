/// Ordered name/value pairs from a query string or a form, with typed accessors whose
/// errors name the field (a 400 that says what was wrong).
public struct Parameters: Sendable {
    public let pairs: [(String, String)]

    public init(_ pairs: [(String, String)] = []) {
        self.pairs = pairs
    }

    public subscript(name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    public func all(_ name: String) -> [String] {
        pairs.filter { $0.0 == name }.map(\.1)
    }

    /// A required, non-empty value.
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name], !value.isEmpty else { throw HTTPError.badRequest("'\(name)' is required") }
        return value
    }

    /// An optional integer within `range`; absent or empty gives nil.
    public func int(_ name: String, in range: ClosedRange<Int>) throws(HTTPError) -> Int? {
        guard let text = self[name], !text.isEmpty else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw HTTPError.badRequest("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
