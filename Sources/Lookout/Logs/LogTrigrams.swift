/// The trigrams of migration 0007: what a chunk of lines holds, and what a search term
/// requires of a chunk. A trigram is three consecutive bytes once ASCII letters are
/// lowercased, all three ASCII, coded `b1 << 14 | b2 << 7 | b3`. The SQL function
/// `log_trigrams` is the same for messages; a test holds the two to agree.
///
/// The promise: when PostgreSQL's ILIKE or `~*` finds a term in a message, every trigram of
/// the term is among the message's. Messages therefore also map the two non-ASCII letters
/// whose lowercase is ASCII (KELVIN SIGN to k, CAPITAL I WITH DOT ABOVE to i); terms take
/// only their ASCII runs, so a non-ASCII letter of a term never requires anything.
enum LogTrigrams {
    /// Collects the distinct trigrams of several messages (one chunk) into a sorted list,
    /// through a bitmap of all 2^21 codes that is cleared after each chunk.
    struct Collector {
        private var bits = [UInt64](repeating: 0, count: 1 << 15)
        private var codes: [Int32] = []

        mutating func add(message: String) {
            var message = message
            message.withUTF8 { bytes in
                var first = -1, second = -1
                var index = 0
                let count = bytes.count
                while index < count {
                    let byte = bytes[index]
                    var code: Int
                    if byte < 0x80 {
                        code = byte >= 0x41 && byte <= 0x5A ? Int(byte) + 32 : Int(byte)
                        index += 1
                    } else if byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x84, bytes[index + 2] == 0xAA {
                        code = 0x6B   // U+212A KELVIN SIGN lowercases to k
                        index += 3
                    } else if byte == 0xC4, index + 1 < count, bytes[index + 1] == 0xB0 {
                        code = 0x69   // U+0130 lowercases to i (glibc)
                        index += 2
                    } else {
                        first = -1; second = -1
                        index += 1
                        continue
                    }
                    if first >= 0 {
                        let trigram = first << 14 | second << 7 | code
                        let (word, bit) = (trigram >> 6, UInt64(1) << UInt64(trigram & 63))
                        if bits[word] & bit == 0 {
                            bits[word] |= bit
                            codes.append(Int32(trigram))
                        }
                    }
                    first = second
                    second = code
                }
            }
        }

        /// The chunk's trigrams as a PostgreSQL array literal; starts the next chunk.
        mutating func finish() -> String {
            codes.sort()
            var text = "{"
            for (index, code) in codes.enumerated() {
                if index > 0 { text += "," }
                text += String(code)
                bits[Int(code) >> 6] = 0
            }
            codes.removeAll(keepingCapacity: true)
            return text + "}"
        }
    }

    /// The trigrams every chunk holding `text` (as a substring, any case) holds.
    static func of(term text: String) -> [Int32] {
        var out = Set<Int32>()
        var run: [Int] = []
        func flush() {
            if run.count >= 3 {
                for index in 0...(run.count - 3) { out.insert(Int32(run[index] << 14 | run[index + 1] << 7 | run[index + 2])) }
            }
            run.removeAll()
        }
        for byte in text.utf8 {
            if byte < 0x80 {
                run.append(byte >= 0x41 && byte <= 0x5A ? Int(byte) + 32 : Int(byte))
            } else {
                flush()
            }
        }
        flush()
        return out.sorted()
    }

    /// The trigrams every chunk holding a match of the case-insensitive regular expression
    /// `pattern` holds: those of the literal runs that every match must contain. Nil when
    /// there is nothing certain to require (alternation at the top, embedded options,
    /// escapes that stand for other characters); then every line is tested.
    static func of(regex pattern: String) -> [Int32]? {
        guard let runs = requiredRuns(pattern) else { return nil }
        var out = Set<Int32>()
        for run in runs { out.formUnion(of(term: run)) }
        return out.sorted()
    }

    /// The literal strings every match of `pattern` contains, or nil when unsure. Only what
    /// is certain is kept: a character with a quantifier that may skip or repeat it ends the
    /// run (and is dropped unless it must appear), and groups, brackets and `.` end it.
    static func requiredRuns(_ pattern: String) -> [String]? {
        let characters = Array(pattern.unicodeScalars)
        if pattern.hasPrefix("***") || pattern.hasPrefix("(?") { return nil }
        var runs: [String] = []
        var run = String.UnicodeScalarView()
        func end() {
            if !run.isEmpty { runs.append(String(run)) }
            run = String.UnicodeScalarView()
        }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "|":
                return nil
            case "\\":
                guard index + 1 < characters.count else { return nil }
                let next = characters[index + 1]
                if next.properties.isAlphabetic || ("0"..."9").contains(next) {
                    // Classes, word edges and control escapes are one character wide; the
                    // rest (\x41, \u00e9, back references, \c...) stand for others: unsure.
                    guard "dDsSwWmMyYAZBbefnrtv".unicodeScalars.contains(next) else { return nil }
                    end()
                } else {
                    run.append(next)
                }
                index += 2
                continue
            case "[":
                guard let close = bracketEnd(characters, from: index) else { return nil }
                end()
                index = close + 1
                continue
            case "(":
                guard let close = groupEnd(characters, from: index) else { return nil }
                end()
                index = close + 1
                continue
            case "{" where !(index + 1 < characters.count && ("0"..."9").contains(characters[index + 1])):
                return nil   // not a bound: a literal brace in ARE; rare enough to require nothing
            case "*", "?", "{":
                // The character before may be absent or repeated: it is not required.
                if !run.isEmpty { run.removeLast() }
                end()
                if character == "{" {
                    guard let close = characters[index...].firstIndex(of: "}") else { return nil }
                    index = close + 1
                } else {
                    index += 1
                }
                if index < characters.count, characters[index] == "?" { index += 1 }   // lazy
                continue
            case "+":
                end()   // once at least, then maybe again: what follows is not adjacent
                index += 1
                if index < characters.count, characters[index] == "?" { index += 1 }
                continue
            case ".", "^", "$", ")":
                end()
            default:
                run.append(character)
            }
            index += 1
        }
        end()
        return runs
    }

    /// The index of the `]` closing the bracket expression opened at `start`.
    private static func bracketEnd(_ characters: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        if index < characters.count, characters[index] == "^" { index += 1 }
        if index < characters.count, characters[index] == "]" { index += 1 }
        while index < characters.count {
            let character = characters[index]
            if character == "[", index + 1 < characters.count, ":.=".unicodeScalars.contains(characters[index + 1]) {
                let kind = characters[index + 1]
                var inner = index + 2
                while inner + 1 < characters.count, !(characters[inner] == kind && characters[inner + 1] == "]") { inner += 1 }
                guard inner + 1 < characters.count else { return nil }
                index = inner + 2
                continue
            }
            if character == "]" { return index }
            index += character == "\\" ? 2 : 1   // in ARE a backslash escapes inside brackets too: [\]a]
        }
        return nil
    }

    /// The index of the `)` closing the group opened at `start`.
    private static func groupEnd(_ characters: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0
        var index = start
        while index < characters.count {
            switch characters[index] {
            case "\\": index += 1
            case "[":
                guard let close = bracketEnd(characters, from: index) else { return nil }
                index = close
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index += 1
        }
        return nil
    }
}
