/// Percent-decoding (RFC 3986 §2.1) and application/x-www-form-urlencoded (WHATWG URL §5).
public enum URLEncoding {
    public enum DecodingError: Error, Equatable {
        case badPercentEscape
        case invalidUTF8
    }

    /// Decodes %XX escapes; with `plusAsSpace` (forms and query strings) "+" means a space.
    /// Malformed escapes and invalid UTF-8 are errors, not silently kept.
    public static func percentDecode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) throws(DecodingError) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first != utf8.endIndex else { throw .badPercentEscape }
                let second = utf8.index(after: first)
                guard second != utf8.endIndex, let high = hex(utf8[first]), let low = hex(utf8[second]) else {
                    throw .badPercentEscape
                }
                bytes.append(high << 4 | low)
                index = utf8.index(after: second)
                continue
            }
            bytes.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = utf8.index(after: index)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return decoded
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// Parses "a=1&b=two+words" into ordered pairs. A malformed pair names itself in the error.
    public static func parseForm<S: StringProtocol>(_ text: S) throws(HTTPError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = parts[0]
            let rawValue = parts.count > 1 ? parts[1] : ""
            let name: String
            do {
                name = try percentDecode(rawName, plusAsSpace: true)
            } catch {
                throw HTTPError.badRequest("malformed parameter name")
            }
            do {
                pairs.append((name, try percentDecode(rawValue, plusAsSpace: true)))
            } catch {
                throw HTTPError.badRequest("parameter '\(name.prefix(64))' is not valid percent-encoded UTF-8")
            }
        }
        return pairs
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
