import Foundation
import Testing
import TestSupport
@testable import Web

/// The gzip decoder against the real `gzip` program's output, and against hostile input.
@Suite("gzip request bodies (RFC 1951/1952)")
struct GzipTests {
    func gzip(_ data: [UInt8], level: Int = 6) throws -> [UInt8] { try SystemGzip.compress(data, level: level) }

    static var samples: [(String, [UInt8])] {
        var random = SystemRandomNumberGenerator()
        let noise = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) }           // stored blocks
        let text = Array(String(repeating: "{\"level\":\"info\",\"message\":\"delivered to user42@example.com\"}\n", count: 5000).utf8)
        let words = (0..<30_000).map { _ in ["alpha", "beta", "gamma", "delta", "\n", " "].randomElement()! }.joined()
        return [("empty", []), ("one byte", [65]), ("short text", Array("hello, hello, hello".utf8)),
                ("random bytes", noise), ("repetitive JSON", text), ("mixed words", Array(words.utf8)),
                ("zeros", [UInt8](repeating: 0, count: 300_000))]
    }

    @Test func decodesWhatGzipWritesAtEveryLevel() throws {
        for (name, data) in Self.samples {
            for level in [1, 6, 9] {
                let decoded = try Gzip.decompress(try gzip(data, level: level), limit: 1 << 24)
                #expect(decoded == data, "\(name) at -\(level)")
            }
        }
    }

    /// The eight-bytes-a-step CRC against the check value of CRC-32/ISO-HDLC and against a
    /// plain bit-by-bit CRC, for every length up to 100 and every start offset up to 8.
    @Test func crc32MatchesTheBitwiseDefinition() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xffff_ffff
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xedb8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return crc ^ 0xffff_ffff
        }
        var random = SystemRandomNumberGenerator()
        let data = (0..<120).map { _ in UInt8.random(in: 0...255, using: &random) }
        for start in 0...8 {
            for length in 0...100 {
                let slice = data[start..<(start + length)]
                #expect(CRC32.checksum(slice) == bitwise(slice), "start \(start) length \(length)")
            }
        }
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let a = Array("first member\n".utf8), b = Array("second member\n".utf8)
        #expect(try Gzip.decompress(try gzip(a) + gzip(b), limit: 1000) == a + b)
    }

    @Test func aBombStopsAtTheLimit() throws {
        let bomb = try gzip([UInt8](repeating: 0, count: 20_000_000), level: 9)
        #expect(bomb.count < 30_000)
        #expect(throws: Gzip.Failure.tooLarge(limit: 1_000_000)) { try Gzip.decompress(bomb, limit: 1_000_000) }
    }

    @Test func badInputIsAnErrorNeverACrash() throws {
        let good = try gzip(Array(String(repeating: "log line with some words in it\n", count: 400).utf8))
        #expect(throws: Gzip.Failure.notGzip) { try Gzip.decompress(Array("plain text, not gzip".utf8), limit: 1000) }
        // Every truncation fails cleanly.
        for length in 0..<good.count - 1 {
            #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array(good[0..<length]), limit: 1 << 20) }
        }
        // Flipped bits: caught by the decoder or by the CRC, never a crash or a wrong result
        // (a flip in the padding bits after the last block changes nothing, and decodes).
        let original = try Gzip.decompress(good, limit: 1 << 20)
        var random = SystemRandomNumberGenerator()
        var caught = 0
        for _ in 0..<2000 {
            var broken = good
            let index = Int.random(in: 10..<broken.count, using: &random)
            broken[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            do {
                #expect(try Gzip.decompress(broken, limit: 1 << 20) == original)
            } catch {
                caught += 1
            }
        }
        #expect(caught > 1900)
        // Random garbage after a valid header.
        for _ in 0..<2000 {
            let garbage = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? Gzip.decompress(garbage, limit: 1 << 16)
        }
    }
}
