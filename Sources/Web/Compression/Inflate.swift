/// A DEFLATE decoder (RFC 1951), for request bodies sent with `Content-Encoding: gzip`.
/// Written for hostile input: every length and distance is checked, the output is bounded
/// by `limit` (a small body cannot expand into gigabytes), and a malformed stream is an
/// error, never a crash.
struct Inflate {
    enum Failure: Error, Equatable {
        case truncated
        case corrupt(String)
        case tooLarge
    }

    private let input: [UInt8]
    private var position: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private let limit: Int
    var output: [UInt8]

    /// Decodes one DEFLATE stream starting at `start` of `input`, appending to `output`.
    init(_ input: [UInt8], start: Int, output: [UInt8], limit: Int) {
        self.input = input
        position = start
        self.output = output
        self.limit = limit
    }

    /// The index just past the stream's last byte (after `run()`).
    var end: Int { position - bitCount / 8 }

    mutating func run() throws(Failure) {
        let streamStart = output.count
        var final = false
        while !final {
            final = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored()
            case 1: try compressed(Self.fixedLengths, Self.fixedDistances, streamStart: streamStart)
            case 2:
                let (lengths, distances) = try dynamicTables()
                try compressed(lengths, distances, streamStart: streamStart)
            default: throw .corrupt("invalid block type 3")
            }
        }
    }

    // MARK: bits

    private mutating func need(_ count: Int) throws(Failure) {
        while bitCount < count {
            guard position < input.count else { throw .truncated }
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    private mutating func bits(_ count: Int) throws(Failure) -> Int {
        if count == 0 { return 0 }
        try need(count)
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    // MARK: blocks

    private mutating func stored() throws(Failure) {
        // Drop the bits left in the current byte; the buffer then holds whole bytes only.
        let skip = bitCount % 8
        bitBuffer >>= UInt64(skip)
        bitCount -= skip
        let length = try bits(16), complement = try bits(16)
        guard length == ~complement & 0xffff else { throw .corrupt("stored block length does not match its complement") }
        // Whole bytes still in the bit buffer come first.
        var remaining = length
        while remaining > 0 && bitCount >= 8 {
            try append(UInt8(try bits(8)))
            remaining -= 1
        }
        guard position + remaining <= input.count else { throw .truncated }
        guard output.count + remaining <= limit else { throw .tooLarge }
        output.append(contentsOf: input[position..<position + remaining])
        position += remaining
    }

    private mutating func append(_ byte: UInt8) throws(Failure) {
        guard output.count < limit else { throw .tooLarge }
        output.append(byte)
    }

    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                                      4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static let fixedLengths: Huffman = try! Huffman(lengths: Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112)
                                                     + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8))
    static let fixedDistances: Huffman = try! Huffman(lengths: Array(repeating: 5, count: 30))

    private mutating func compressed(_ lengths: Huffman, _ distances: Huffman, streamStart: Int) throws(Failure) {
        while true {
            let symbol = try decode(lengths)
            if symbol < 256 {
                try append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < 29 else { throw .corrupt("invalid length symbol \(symbol)") }
                let length = Self.lengthBase[index] + (try bits(Self.lengthExtra[index]))
                let code = try decode(distances)
                guard code < 30 else { throw .corrupt("invalid distance symbol \(code)") }
                let distance = Self.distanceBase[code] + (try bits(Self.distanceExtra[code]))
                guard distance <= output.count - streamStart else { throw .corrupt("distance \(distance) reaches before the start") }
                guard output.count + length <= limit else { throw .tooLarge }
                // Byte by byte: a copy may overlap what it produces (distance < length).
                var from = output.count - distance
                for _ in 0..<length {
                    output.append(output[from])
                    from += 1
                }
            }
        }
    }

    private mutating func decode(_ code: Huffman) throws(Failure) -> Int {
        // Take as many bits as are there (up to the longest code): near the end of the
        // input the last code may be shorter than that.
        while bitCount < code.maxLength && position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
        let entry = code.table[Int(bitBuffer & UInt64(code.table.count - 1))]
        let length = Int(entry & 0xf)
        guard length > 0 else { throw .corrupt("invalid Huffman code") }
        guard length <= bitCount else { throw .truncated }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        return Int(entry >> 4)
    }

    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamicTables() throws(Failure) -> (Huffman, Huffman) {
        let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw .corrupt("too many length or distance codes") }
        var codeLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeCount { codeLengths[Self.codeLengthOrder[index]] = try bits(3) }
        let lengthCode = try Huffman(lengths: codeLengths, complete: true)
        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(lengthCode)
            switch symbol {
            case 0...15: lengths.append(symbol)
            case 16:
                guard let last = lengths.last else { throw .corrupt("repeat with no previous length") }
                lengths.append(contentsOf: repeatElement(last, count: 3 + (try bits(2))))
            case 17: lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
            default: lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw .corrupt("code lengths run past their count") }
        guard lengths[256] > 0 else { throw .corrupt("no end-of-block code") }
        return (try Huffman(lengths: Array(lengths[0..<literalCount])), try Huffman(lengths: Array(lengths[literalCount...])))
    }
}

/// A canonical Huffman code as a lookup table indexed by the next `maxLength` input bits
/// (which arrive least significant first): each entry is `symbol << 4 | code length`, and
/// 0 for bit patterns that are no code.
struct Huffman {
    let table: [UInt32]
    let maxLength: Int

    init(lengths: [Int], complete: Bool = false) throws(Inflate.Failure) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[length] += 1 }
        maxLength = max(1, counts.lastIndex { $0 > 0 } ?? 1)
        counts[0] = 0
        // Over-subscribed codes are invalid; incomplete ones are allowed (a distance code
        // with one symbol, say) except where `complete` is asked.
        var left = 1
        for length in 1...15 {
            left = left << 1 - counts[length]
            guard left >= 0 else { throw .corrupt("over-subscribed Huffman code") }
        }
        if complete && left > 0 && lengths.contains(where: { $0 > 0 }) && counts.reduce(0, +) > 1 {
            throw .corrupt("incomplete code-length code")
        }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + counts[length - 1]) << 1
            next[length] = code
        }
        var table = [UInt32](repeating: 0, count: 1 << maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let assigned = next[length]
            next[length] += 1
            var reversed = 0
            for bit in 0..<length where assigned & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            var index = reversed
            while index < table.count {
                table[index] = UInt32(symbol << 4 | length)
                index += 1 << length
            }
        }
        self.table = table
    }
}
