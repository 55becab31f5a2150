/// Turns template source into nodes; every error names line and column (1-based).
struct TemplateParser {
    enum TagKind: Equatable {
        case variable, raw, section, inverted, close, partial, comment

        var canStandAlone: Bool { self == .section || self == .inverted || self == .close || self == .partial || self == .comment }
    }

    enum Token {
        case text([UInt8])
        case tag(TagKind, String, line: Int, column: Int)
    }

    let name: String
    let source: [UInt8]

    init(name: String, source: String) {
        self.name = name
        self.source = Array(source.utf8)
    }

    func parse() throws(TemplateError) -> [Template.Node] {
        var tokens = try tokenize()
        stripStandaloneLines(&tokens)
        var index = 0
        let nodes = try build(&index, tokens: tokens, closing: nil)
        return nodes
    }

    private func error(_ line: Int, _ column: Int, _ message: String) -> TemplateError {
        TemplateError(file: name, line: line, column: column, message: message)
    }

    private func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in source[..<offset] {
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    private func tokenize() throws(TemplateError) -> [Token] {
        var tokens: [Token] = []
        var textStart = 0
        var i = 0
        let n = source.count
        while i + 1 < n {
            guard source[i] == 0x7B, source[i + 1] == 0x7B else { i += 1; continue } // "{{"
            if i > textStart { tokens.append(.text(Array(source[textStart..<i]))) }
            let (line, column) = position(of: i)
            let triple = i + 2 < n && source[i + 2] == 0x7B
            let contentStart = i + (triple ? 3 : 2)
            let closer: [UInt8] = triple ? [0x7D, 0x7D, 0x7D] : [0x7D, 0x7D]
            guard let closeAt = find(closer, from: contentStart) else {
                throw error(line, column, "unclosed tag: '\(triple ? "{{{" : "{{")' without '\(triple ? "}}}" : "}}")'")
            }
            var content = String(decoding: source[contentStart..<closeAt], as: UTF8.self)
            var kind: TagKind = triple ? .raw : .variable
            if !triple, let sigil = content.first, "#^/>&!".contains(sigil) {
                content.removeFirst()
                switch sigil {
                case "#": kind = .section
                case "^": kind = .inverted
                case "/": kind = .close
                case ">": kind = .partial
                case "&": kind = .raw
                default: kind = .comment
                }
            }
            let trimmed = content.trimmingSpaces()
            if kind != .comment {
                guard !trimmed.isEmpty else { throw error(line, column, "empty tag") }
                guard trimmed.allSatisfy({ $0.isLetter || $0.isNumber || "._-/".contains($0) }) else {
                    throw error(line, column, "invalid name '\(trimmed)' in tag")
                }
            }
            tokens.append(.tag(kind, trimmed, line: line, column: column))
            i = closeAt + closer.count
            textStart = i
        }
        if textStart < n { tokens.append(.text(Array(source[textStart...]))) }
        return tokens
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + needle.count <= source.count {
            if source[i] == needle[0], Array(source[i..<(i + needle.count)]) == needle { return i }
            if source[i] == 0x0A, needle.count == 2 { /* tags may span lines only for comments */ }
            i += 1
        }
        return nil
    }

    /// Mustache "standalone" rule: a section, close, partial or comment tag that is the only
    /// thing on its line (besides spaces and tabs) removes that whole line from the output.
    private func stripStandaloneLines(_ tokens: inout [Token]) {
        // Text tokens that begin at the start of a line: the first one, and any whose leading
        // newline belonged to a standalone tag before them.
        var startsLine: Set<Int> = [0]
        for index in tokens.indices {
            guard case .tag(let kind, _, _, _) = tokens[index], kind.canStandAlone else { continue }
            // Before: start of template, or text whose last line is blank so far.
            var beforeBlank = false
            var beforeCut = 0
            if index == 0 {
                beforeBlank = true
            } else if case .text(let text) = tokens[index - 1] {
                let lastNewline = text.lastIndex(of: 0x0A)
                let tail = text[(lastNewline.map { $0 + 1 } ?? 0)...]
                if tail.allSatisfy({ $0 == 0x20 || $0 == 0x09 }), lastNewline != nil || startsLine.contains(index - 1) {
                    beforeBlank = true
                    beforeCut = tail.count
                }
            }
            guard beforeBlank else { continue }
            // After: end of template, or text whose first line is blank.
            var afterCut: Int?
            if index == tokens.count - 1 {
                afterCut = 0
            } else if case .text(let text) = tokens[index + 1] {
                var j = 0
                while j < text.count, text[j] == 0x20 || text[j] == 0x09 { j += 1 }
                if j == text.count { afterCut = j }
                else if text[j] == 0x0A { afterCut = j + 1 }
                else if text[j] == 0x0D, j + 1 < text.count, text[j + 1] == 0x0A { afterCut = j + 2 }
            }
            guard let afterCut else { continue }
            if beforeCut > 0, case .text(let text) = tokens[index - 1] {
                tokens[index - 1] = .text(Array(text.dropLast(beforeCut)))
            }
            if afterCut > 0, case .text(let text) = tokens[index + 1] {
                tokens[index + 1] = .text(Array(text.dropFirst(afterCut)))
            }
            if index + 1 < tokens.count { startsLine.insert(index + 1) }
        }
    }

    private func build(_ index: inout Int, tokens: [Token], closing: (name: String, line: Int, column: Int)?) throws(TemplateError) -> [Template.Node] {
        var nodes: [Template.Node] = []
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .text(let bytes):
                if !bytes.isEmpty { nodes.append(.text(bytes)) }
            case .tag(let kind, let tagName, let line, let column):
                switch kind {
                case .comment:
                    continue
                case .variable, .raw:
                    nodes.append(.variable(Template.Name(tagName), escaped: kind == .variable))
                case .partial:
                    nodes.append(.partial(tagName, line: line, column: column))
                case .section, .inverted:
                    let children = try build(&index, tokens: tokens, closing: (tagName, line, column))
                    nodes.append(.section(Template.Name(tagName), children, inverted: kind == .inverted))
                case .close:
                    guard let closing else { throw error(line, column, "'{{/\(tagName)}}' closes no open section") }
                    guard closing.name == tagName else {
                        throw error(line, column, "'{{/\(tagName)}}' does not match '{{#\(closing.name)}}' opened at \(closing.line):\(closing.column)")
                    }
                    return nodes
                }
            }
        }
        if let closing { throw error(closing.line, closing.column, "section '\(closing.name)' is never closed") }
        return nodes
    }

}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
