extension Template {
    /// Renders with `context`; partials are looked up through `partials`.
    func render(_ context: TemplateValue, into out: inout [UInt8], partials: (String) -> Template?) {
        var stack = [context]
        Self.render(nodes, stack: &stack, into: &out, partials: partials, depth: 0)
    }

    private static let maxPartialDepth = 32

    private static func render(_ nodes: [Node], stack: inout [TemplateValue], into out: inout [UInt8],
                               partials: (String) -> Template?, depth: Int) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                out.append(contentsOf: bytes)
            case .variable(let path, let escaped):
                guard let value = lookup(path, in: stack) else { continue }
                append(value, escaped: escaped, to: &out)
            case .section(let path, let children, let inverted):
                let value = lookup(path, in: stack) ?? .null
                if inverted {
                    if !value.isTruthy { render(children, stack: &stack, into: &out, partials: partials, depth: depth) }
                    continue
                }
                guard value.isTruthy else { continue }
                if case .list(let items) = value {
                    for item in items {
                        stack.append(item)
                        render(children, stack: &stack, into: &out, partials: partials, depth: depth)
                        stack.removeLast()
                    }
                } else {
                    stack.append(value)
                    render(children, stack: &stack, into: &out, partials: partials, depth: depth)
                    stack.removeLast()
                }
            case .partial(let name, _, _):
                // Load-time checks make a missing partial impossible; the depth bound stops a
                // partial that includes itself from recursing forever.
                guard depth < maxPartialDepth, let partial = partials(name) else { continue }
                render(partial.nodes, stack: &stack, into: &out, partials: partials, depth: depth + 1)
            }
        }
    }

    /// Resolves "a.b.c" against the innermost context that has "a"; "." is the current item.
    private static func lookup(_ path: [String], in stack: [TemplateValue]) -> TemplateValue? {
        if path == ["."] { return stack.last }
        guard let first = path.first else { return nil }
        for context in stack.reversed() {
            guard var value = context.member(first) else { continue }
            for name in path.dropFirst() {
                guard let next = value.member(name) else { return nil }
                value = next
            }
            return value
        }
        return nil
    }

    private static func append(_ value: TemplateValue, escaped: Bool, to out: inout [UInt8]) {
        switch value {
        case .null, .list, .object:
            return
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            out.append(contentsOf: String(i).utf8)
        case .string(let s):
            if escaped { HTMLEscape.append(s, to: &out) } else { out.append(contentsOf: s.utf8) }
        case .html(let s):
            out.append(contentsOf: s.utf8)
        }
    }
}
