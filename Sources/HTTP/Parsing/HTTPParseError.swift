/// Why a request could not be parsed. Each case maps to one status; the message is safe to
/// show to the client (it never echoes the offending bytes).
public enum HTTPParseError: Error, Equatable, Sendable {
    case requestLineTooLong
    case headerSectionTooLarge
    case tooManyHeaders
    case bodyTooLarge
    case unsupportedVersion
    case expectationFailed
    case malformed(String)

    public var status: Int {
        switch self {
        case .requestLineTooLong: return 414
        case .headerSectionTooLarge, .tooManyHeaders: return 431
        case .bodyTooLarge: return 413
        case .unsupportedVersion: return 505
        case .expectationFailed: return 417
        case .malformed: return 400
        }
    }

    public var message: String {
        switch self {
        case .requestLineTooLong: return "request line too long"
        case .headerSectionTooLarge: return "header section too large"
        case .tooManyHeaders: return "too many header fields"
        case .bodyTooLarge: return "request body too large"
        case .unsupportedVersion: return "HTTP version not supported"
        case .expectationFailed: return "only the 100-continue expectation is supported"
        case .malformed(let why): return why
        }
    }
}
