/// Decodes the chunked transfer coding (RFC 9112 §7.1) as a resumable state machine.
/// Chunk extensions are skipped, trailer fields are read and discarded; every size is bounded.
public struct ChunkedBodyDecoder: Sendable {
    public enum Result: Equatable {
        /// Every input byte was consumed and more are needed.
        case needMore
        /// The body ended after `consumed` bytes of the input; the rest belongs to the next request.
        case done(consumed: Int)
        case failure(HTTPParseError)
    }

    private enum State: Sendable {
        case size(digits: Int, value: Int)
        case extensions(length: Int)
        case sizeLF
        case data(remaining: Int)
        case dataCR, dataLF
        case trailerLineStart
        case trailerLine
        case trailerLF
        case finalLF
        case done
    }

    static let maxSizeDigits = 15          // 16^15 bytes: far beyond any body limit, no overflow
    static let maxExtensionBytes = 4096
    static let maxTrailerBytes = 8192

    private var state: State = .size(digits: 0, value: 0)
    private var chunkSize = 0
    private var trailerBytes = 0
    public let maxBodyBytes: Int
    public private(set) var bodyBytes = 0

    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    public mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8]) -> Result {
        var i = 0
        while i < input.count {
            let byte = input[i]
            switch state {
            case .size(let digits, let value):
                if let hex = ASCII.hexValue(byte) {
                    guard digits < Self.maxSizeDigits else { return .failure(.malformed("chunk size too long")) }
                    state = .size(digits: digits + 1, value: value * 16 + hex)
                } else {
                    guard digits > 0 else { return .failure(.malformed("invalid chunk size")) }
                    chunkSize = value
                    guard bodyBytes + value <= maxBodyBytes else { return .failure(.bodyTooLarge) }
                    if byte == ASCII.cr {
                        state = .sizeLF
                    } else if byte == UInt8(ascii: ";") || byte == ASCII.space || byte == ASCII.tab {
                        state = .extensions(length: 1)
                    } else {
                        return .failure(.malformed("invalid chunk size"))
                    }
                }
                i += 1
            case .extensions(let length):
                if byte == ASCII.cr {
                    state = .sizeLF
                } else {
                    guard byte == ASCII.tab || (byte >= 0x20 && byte != 0x7F) else {
                        return .failure(.malformed("invalid character in chunk extension"))
                    }
                    guard length < Self.maxExtensionBytes else { return .failure(.malformed("chunk extension too long")) }
                    state = .extensions(length: length + 1)
                }
                i += 1
            case .sizeLF:
                guard byte == ASCII.lf else { return .failure(.malformed("bare CR in chunk size line")) }
                state = chunkSize == 0 ? .trailerLineStart : .data(remaining: chunkSize)
                i += 1
            case .data(let remaining):
                let take = min(remaining, input.count - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + take)]))
                bodyBytes += take
                i += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                guard byte == ASCII.cr else { return .failure(.malformed("chunk data longer than its size")) }
                state = .dataLF
                i += 1
            case .dataLF:
                guard byte == ASCII.lf else { return .failure(.malformed("bare CR after chunk data")) }
                state = .size(digits: 0, value: 0)
                i += 1
            case .trailerLineStart:
                state = byte == ASCII.cr ? .finalLF : .trailerLine
                if byte != ASCII.cr { continue }
                i += 1
            case .trailerLine:
                trailerBytes += 1
                guard trailerBytes <= Self.maxTrailerBytes else { return .failure(.headerSectionTooLarge) }
                if byte == ASCII.cr {
                    state = .trailerLF
                } else if byte == ASCII.lf || byte == 0 {
                    return .failure(.malformed("invalid character in trailer section"))
                }
                i += 1
            case .trailerLF:
                guard byte == ASCII.lf else { return .failure(.malformed("bare CR in trailer section")) }
                state = .trailerLineStart
                i += 1
            case .finalLF:
                guard byte == ASCII.lf else { return .failure(.malformed("bare CR at end of chunked body")) }
                state = .done
                return .done(consumed: i + 1)
            case .done:
                return .done(consumed: i)
            }
        }
        if case .done = state { return .done(consumed: i) }
        return .needMore
    }
}
