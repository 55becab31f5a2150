extension Template {
    /// Renders with `context`; partials are looked up through `partials`.
    func render(_ context: TemplateValue, into out: inout [UInt8], partials: (String) -> Template?) {
        var stack = [context]
        var hints = [Int](repeating: 0, count: program.ops.count)
        render(0..<program.ops.count, top: Self.object(context), stack: &stack, hints: &hints, into: &out, partials: partials, depth: 0)
    }

    static func object(_ value: TemplateValue) -> TemplateObject? {
        if case .fields(let object) = value { return object }
        return nil
    }

    private static let maxPartialDepth = 32

    /// `hints[op]` remembers at which key position the op's name was found last time: the
    /// items of a list are built by the same code, so the next item has it in the same place.
    /// `top` is the innermost context when it is an object, passed borrowed: most names are
    /// found there without touching (and reference-counting) the stack.
    private func render(_ range: Range<Int>, top: TemplateObject?, stack: inout [TemplateValue], hints: inout [Int], into out: inout [UInt8],
                        partials: (String) -> Template?, depth: Int) {
        // The program's arrays are borrowed once per call, not per operation.
        program.ops.withUnsafeBufferPointer { ops in
        program.text.withUnsafeBufferPointer { text in
        program.names.withUnsafeBufferPointer { names in
            var index = range.lowerBound
            while index < range.upperBound {
                let op = ops[index]
                index += 1
                switch op {
                case .text(let start, let end):
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<end]))
                case .variable(let name, let escaped):
                    guard let value = Self.lookup(names[name], hint: &hints[index - 1], top: top, in: stack) else { continue }
                    Self.append(value, escaped: escaped, to: &out)
                case .section(let name, let end, let inverted):
                    let body = index..<end
                    index = end
                    let value = Self.lookup(names[name], hint: &hints[body.lowerBound - 1], top: top, in: stack) ?? .null
                    if inverted {
                        if !value.isTruthy { render(body, top: top, stack: &stack, hints: &hints, into: &out, partials: partials, depth: depth) }
                        continue
                    }
                    guard value.isTruthy else { continue }
                    if case .list(let items) = value {
                        for item in items {
                            stack.append(item)
                            render(body, top: Self.object(item), stack: &stack, hints: &hints, into: &out, partials: partials, depth: depth)
                            stack.removeLast()
                        }
                    } else {
                        stack.append(value)
                        render(body, top: Self.object(value), stack: &stack, hints: &hints, into: &out, partials: partials, depth: depth)
                        stack.removeLast()
                    }
                case .partial(let which):
                    // Load-time checks make a missing partial impossible; the depth bound stops a
                    // partial that includes itself from recursing forever.
                    guard depth < Self.maxPartialDepth, let partial = partials(program.partials[which]) else { continue }
                    var partialHints = [Int](repeating: 0, count: partial.program.ops.count)
                    partial.render(0..<partial.program.ops.count, top: top, stack: &stack, hints: &partialHints, into: &out, partials: partials, depth: depth + 1)
                }
            }
        }
        }
        }
    }

    /// Resolves "a.b.c" against the innermost context that has "a"; "." is the current item.
    private static func lookup(_ name: Name, hint: inout Int, top: TemplateObject?, in stack: [TemplateValue]) -> TemplateValue? {
        if name.isCurrent { return stack.last }
        if let top, name.rest == nil, let value = top.value(name.first, hint: &hint) { return value }
        var index = stack.count - 1
        while index >= 0 {
            if case .fields(let object) = stack[index], var value = object.value(name.first, hint: &hint) {
                for part in name.rest ?? [] {
                    guard let next = value.member(part) else { return nil }
                    value = next
                }
                return value
            }
            index -= 1
        }
        return nil
    }

    private static func append(_ value: TemplateValue, escaped: Bool, to out: inout [UInt8]) {
        switch value {
        case .null, .list, .fields:
            return
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            appendDecimal(i, to: &out)
        case .string(let s):
            if escaped { HTMLEscape.append(s, to: &out) } else { out.append(contentsOf: s.utf8) }
        case .html(let s):
            out.append(contentsOf: s.utf8)
        }
    }
}

/// Writes an integer's decimal digits without making a String.
func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 0 {
        out.append(UInt8(ascii: "-"))
        if value == Int.min {
            out.append(contentsOf: "9223372036854775808".utf8)
            return
        }
    }
    var v = value.magnitude
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for 20 digits
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
        repeat {
            buffer[23 - count] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            count += 1
        } while v > 0
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
    }
}
