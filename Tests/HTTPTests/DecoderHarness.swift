import HTTP

/// What decoding a byte stream produced: the whole requests, then the error if one ended it.
struct Decoded: Equatable, CustomStringConvertible {
    var requests: [String] = []   // "METHOD target body"
    var errorStatus: Int?
    var continues = 0             // heads announced before their body

    var description: String { "\(requests) error=\(errorStatus.map(String.init) ?? "none")" }

    static func == (a: Decoded, b: Decoded) -> Bool { a.requests == b.requests && a.errorStatus == b.errorStatus }
}

/// Feeds `pieces` one after another into a decoder, draining it after each (the way the
/// server uses it), and records what came out.
func decode(_ pieces: [[UInt8]], limits: HTTPParserLimits) -> Decoded {
    var decoder = HTTPRequestDecoder(limits: limits)
    var result = Decoded()
    for piece in pieces {
        decoder.append(piece)
        loop: while true {
            switch decoder.next() {
            case .needMore: break loop
            case .headReceived: result.continues += 1
            case .request(let head, let body):
                result.requests.append("\(head.method) \(head.target) \(String(decoding: body, as: UTF8.self))")
            case .failure(let error):
                result.errorStatus = error.status
                return result
            }
        }
    }
    return result
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
