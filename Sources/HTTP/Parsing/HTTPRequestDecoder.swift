/// Turns a byte stream into a sequence of whole requests (head + body), pipelining included.
/// Pure: no I/O. The connection appends what it reads and calls `next()` until `.needMore`;
/// tests and the fuzz target drive it the same way.
public struct HTTPRequestDecoder: Sendable {
    public enum Step {
        case needMore
        /// The head is complete and a body is still to come (time to send `100 Continue`).
        case headReceived(HTTPRequestHead)
        case request(HTTPRequestHead, body: [UInt8])
        case failure(HTTPParseError)
    }

    private enum State {
        case head
        case body(HTTPRequestHead, remaining: Int, announced: Bool)
        case chunked(HTTPRequestHead, ChunkedBodyDecoder, announced: Bool)
        case failed(HTTPParseError)
    }

    public let limits: HTTPParserLimits
    private var headParser: HTTPRequestHeadParser
    private var state: State = .head
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var body: [UInt8] = []

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
        headParser = HTTPRequestHeadParser(limits: limits)
    }

    /// True while part of a request has arrived but not all of it.
    public var hasPartialRequest: Bool {
        if case .head = state { return readIndex < buffer.count }
        return true
    }

    /// True while the head is complete and the body is being received.
    public var isReceivingBody: Bool {
        switch state {
        case .body, .chunked: return true
        default: return false
        }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if readIndex > 0, readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        Array(bytes).withUnsafeBytes { append($0) }
    }

    public mutating func next() -> Step {
        switch state {
        case .failed(let error):
            return .failure(error)
        case .head:
            let result = buffer.withUnsafeBufferPointer { headParser.parse(UnsafeBufferPointer(rebasing: $0[readIndex...])) }
            switch result {
            case .needMore:
                return .needMore
            case .failure(let error):
                state = .failed(error)
                return .failure(error)
            case .complete(let head, let consumed):
                readIndex += consumed
                headParser.reset()
                body = []
                switch head.framing {
                case .none:
                    return .request(head, body: [])
                case .contentLength(let length):
                    body.reserveCapacity(length)
                    state = .body(head, remaining: length, announced: false)
                case .chunked:
                    state = .chunked(head, ChunkedBodyDecoder(maxBodyBytes: limits.maxBodyBytes), announced: false)
                }
                return next()
            }
        case .body(let head, let remaining, let announced):
            let available = buffer.count - readIndex
            let take = min(available, remaining)
            body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
            readIndex += take
            if take == remaining {
                state = .head
                return .request(head, body: takeBody())
            }
            state = .body(head, remaining: remaining - take, announced: true)
            return announced ? .needMore : .headReceived(head)
        case .chunked(let head, var decoder, let announced):
            let result = buffer.withUnsafeBufferPointer { decoder.decode(UnsafeBufferPointer(rebasing: $0[readIndex...]), into: &body) }
            switch result {
            case .needMore:
                readIndex = buffer.count
                state = .chunked(head, decoder, announced: true)
                return announced ? .needMore : .headReceived(head)
            case .done(let consumed):
                readIndex += consumed
                state = .head
                return .request(head, body: takeBody())
            case .failure(let error):
                state = .failed(error)
                return .failure(error)
            }
        }
    }

    private mutating func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }
}
