/// gzip framing (RFC 1952) around DEFLATE: header fields skipped, CRC-32 and length of
/// every member checked, concatenated members decoded in turn (as `gzip -d` does).
public enum Gzip {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notGzip
        case truncated
        case corrupt(String)
        case checksumMismatch
        /// The decoded data would pass `limit` bytes.
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .notGzip: "not gzip data (no 1f 8b header)"
            case .truncated: "gzip data ends early"
            case .corrupt(let why): "corrupt gzip data: \(why)"
            case .checksumMismatch: "gzip CRC-32 or length does not match the data"
            case .tooLarge(let limit): "decompressed body is larger than \(limit) bytes"
            }
        }
    }

    public static func decompress(_ data: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, data.count * 4))
        var start = 0
        repeat {
            let body = try headerEnd(data, from: start)
            let memberStart = output.count
            var inflate = Inflate(data, start: body, output: output, limit: limit)
            output = []
            do {
                try inflate.run()
            } catch {
                switch error {
                case .truncated: throw .truncated
                case .tooLarge: throw .tooLarge(limit: limit)
                case .corrupt(let why): throw .corrupt(why)
                }
            }
            output = inflate.output
            let trailer = inflate.end
            guard trailer + 8 <= data.count else { throw .truncated }
            let crc = readLE32(data, trailer), size = readLE32(data, trailer + 4)
            guard crc == CRC32.checksum(output[memberStart...]), size == UInt32(truncatingIfNeeded: output.count - memberStart) else {
                throw .checksumMismatch
            }
            start = trailer + 8
        } while start < data.count
        return output
    }

    /// The index of the DEFLATE data after a member header starting at `start`.
    static func headerEnd(_ data: [UInt8], from start: Int) throws(Failure) -> Int {
        guard data.count - start >= 10 else { throw start == 0 ? .notGzip : .truncated }
        guard data[start] == 0x1f, data[start + 1] == 0x8b else { throw .notGzip }
        guard data[start + 2] == 8 else { throw .corrupt("compression method \(data[start + 2]) is not deflate") }
        let flags = data[start + 3]
        guard flags & 0xe0 == 0 else { throw .corrupt("reserved header flags set") }
        var index = start + 10
        if flags & 0x04 != 0 {   // FEXTRA
            guard index + 2 <= data.count else { throw .truncated }
            index += 2 + Int(data[index]) + Int(data[index + 1]) << 8
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {   // FNAME, FCOMMENT: zero-terminated
            while index < data.count && data[index] != 0 { index += 1 }
            index += 1
        }
        if flags & 0x02 != 0 { index += 2 }   // FHCRC
        guard index <= data.count else { throw .truncated }
        return index
    }

    static func readLE32(_ data: [UInt8], _ at: Int) -> UInt32 {
        UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
    }
}

/// CRC-32 as gzip uses it (polynomial 0xEDB88320, reflected).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        }
        return crc ^ 0xffff_ffff
    }
}
