import Testing
import Web

@Suite("JSON parser: strings, UTF-8, numbers, errors")
struct JSONParserTests {
    func parse(_ bytes: [UInt8]) throws(JSONParser.ParseError) -> JSONValue {
        try JSONParser.parse(bytes: bytes[...])
    }

    @Test func stringsPlainEscapedAndNonASCII() throws {
        let text = #"{"a": "plain", "b": "caf\u00e9 \"q\" \\ \/ \n\t", "c": "Grüße, 東京 🚀", "d": "\ud83d\ude80", "e": ""}"#
        let value = try JSONParser.parse(text)
        #expect(value == .object([("a", "plain"), ("b", "café \"q\" \\ / \n\t"), ("c", "Grüße, 東京 🚀"), ("d", "🚀"), ("e", "")]))
    }

    /// Raw bytes inside a string must be UTF-8: a lone continuation byte, an overlong form, a
    /// surrogate written as UTF-8, a sequence cut short, bytes that never occur. Each is
    /// refused, with or without an escape elsewhere in the same string.
    @Test(arguments: [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE6, 0x9D], [0xFF], [0xF4, 0x90, 0x80, 0x80], [0x41, 0xC3]])
    func invalidUTF8IsRefused(_ bad: [UInt8]) {
        for prefix: [UInt8] in [[], Array("ok ".utf8), Array(#"esc \n "#.utf8)] {
            let document = Array(#"{"m": ""#.utf8) + prefix + bad + Array(#""}"#.utf8)
            #expect(throws: JSONParser.ParseError.self) { try parse(document) }
        }
    }

    @Test func validMultiByteSequencesPass() throws {
        // Two, three and four bytes, and the largest scalar.
        for scalar: [UInt8] in [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x9A, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]] {
            let value = try parse(Array(#"[""#.utf8) + scalar + Array(#""]"#.utf8))
            #expect(value == .array([.string(String(decoding: scalar, as: UTF8.self))]))
        }
    }

    @Test func numbers() throws {
        #expect(try JSONParser.parse("[0, -12, 3.5, 1e3, -2.5E-2]") == .array([.int(0), .int(-12), .double(3.5), .double(1000), .double(-0.025)]))
        for bad in ["[-]", "[1e999]", "[.]", "[1..2]"] {
            #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(bad) }
        }
    }

    func failure(_ text: String) -> JSONParser.ParseError? {
        do { _ = try JSONParser.parse(text); return nil } catch { return error }
    }

    @Test func errorsSayWhereAndWhat() {
        #expect(failure("{\"a\": \"\u{1}\"}").map { "\($0)" } == "control character in string at byte 7")
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(#"{"a": "\ud800"}"#) }
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(#"{"a": "open"#) }
        #expect(failure(#"{"a": 1} x"#).map { "\($0)" } == "unexpected text after the document at byte 9")
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func keysKeepTheirOrderAndDuplicates() throws {
        #expect(try JSONParser.parse(#"{"z": 1, "a": 2, "z": 3}"#) == .object([("z", 1), ("a", 2), ("z", 3)]))
    }
}
