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
    /// Slicing-by-8 (eight bytes per step through eight tables): a byte-at-a-time loop was
    /// 11% of Lookout's CPU on gzip-compressed log ingestion.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
            tables[n] = c
        }
        for n in 0..<256 {
            for k in 1..<8 { tables[k * 256 + n] = (tables[(k - 1) * 256 + n] >> 8) ^ tables[Int(tables[(k - 1) * 256 + n] & 0xff)] }
        }
        return tables
    }()

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        tables.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { data in
                var i = 0
                let count = data.count
                while count - i >= 8 {
                    let low = crc ^ (UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
                    let high = UInt32(data[i + 4]) | UInt32(data[i + 5]) << 8 | UInt32(data[i + 6]) << 16 | UInt32(data[i + 7]) << 24
                    crc = t[7 * 256 + Int(low & 0xff)] ^ t[6 * 256 + Int((low >> 8) & 0xff)]
                        ^ t[5 * 256 + Int((low >> 16) & 0xff)] ^ t[4 * 256 + Int(low >> 24)]
                        ^ t[3 * 256 + Int(high & 0xff)] ^ t[2 * 256 + Int((high >> 8) & 0xff)]
                        ^ t[1 * 256 + Int((high >> 16) & 0xff)] ^ t[Int(high >> 24)]
                    i += 8
                }
                while i < count {
                    crc = t[Int((crc ^ UInt32(data[i])) & 0xff)] ^ (crc >> 8)
                    i += 1
                }
            }
        }
        return crc ^ 0xffff_ffff
    }
}
