/// A strict JSON parser (RFC 8259) that keeps object keys in order: for showing and
/// validating documents (job payloads, filters), not for decoding into types.
public enum JSONParser {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        try parse(bytes: Array(text.utf8)[...])
    }

    /// Parses bytes directly (no String first): strings are checked for UTF-8 as they are
    /// read, and everything outside strings must be ASCII by the grammar.
    public static func parse(bytes: ArraySlice<UInt8>) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: Array(bytes))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw ParseError(offset: parser.index, reason: "unexpected text after the document") }
        return value
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        func fail(_ reason: String) -> ParseError { ParseError(offset: index, reason: reason) }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 64 else { throw fail("nested too deeply") }
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var fields: [(String, JSONValue)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
                while true {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    index += 1
                    skipSpace()
                    fields.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard index < bytes.count else { throw fail("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [JSONValue] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw fail("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                return try number()
            }
        }

        mutating func literal(_ word: String, _ value: JSONValue) throws(ParseError) -> JSONValue {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<(index + w.count)]) == w else { throw fail("invalid literal") }
            index += w.count
            return value
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                    index += 1
                    continue
                default: break
                }
                break
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard !text.isEmpty, text != "-" else { throw fail("unexpected character") }
            if let int = Int(text) { return .int(int) }
            guard let double = Double(text), double.isFinite else { throw fail("invalid number") }
            return .double(double)
        }

        mutating func string() throws(ParseError) -> String {
            index += 1   // opening quote
            // Most strings have no escapes: made straight from the input bytes.
            var end = index
            var ascii = true
            while end < bytes.count {
                let b = bytes[end]
                if b == UInt8(ascii: "\"") {
                    guard let text = Self.text(bytes[index..<end], ascii: ascii) else { throw fail("invalid UTF-8") }
                    index = end + 1
                    return text
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { break }
                ascii = ascii && b < 0x80
                end += 1
            }
            var out: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    guard let text = Self.text(out[...], ascii: false) else { throw fail("invalid UTF-8") }
                    return text
                }
                if b < 0x20 { throw fail("control character in string") }
                if b == UInt8(ascii: "\\") {
                    index += 1
                    guard index < bytes.count else { break }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw fail("unpaired surrogate")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default: throw fail("invalid escape")
                    }
                    continue
                }
                out.append(b)
                index += 1
            }
            throw fail("unterminated string")
        }

        /// A string's bytes as a String, nil when they are not UTF-8. ASCII needs no check;
        /// otherwise decoding repairs any invalid sequence, so the bytes are valid exactly
        /// when they come back unchanged (cheaper than `String(validating:)`, which runs
        /// unspecialized and looks up generic metadata on every call).
        static func text(_ bytes: ArraySlice<UInt8>, ascii: Bool) -> String? {
            let text = String(decoding: bytes, as: UTF8.self)
            return ascii || text.utf8.elementsEqual(bytes) ? text : nil
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("invalid escape") }
            var value: UInt32 = 0
            for b in bytes[index..<(index + 4)] {
                guard let digit = Int(String(UnicodeScalar(b)), radix: 16) else { throw fail("invalid escape") }
                value = value * 16 + UInt32(digit)
            }
            index += 4
            return value
        }
    }
}
