extension Template {
    /// The parsed tree flattened into operations whose payloads are plain integers, so that
    /// rendering walks arrays without reference counting (it halved the cost of a page).
    struct Program: Sendable {
        enum Op: Sendable {
            case text(start: Int, end: Int)
            case variable(name: Int, escaped: Bool)
            /// The section's body is the operations up to `end`.
            case section(name: Int, end: Int, inverted: Bool)
            case partial(Int)
        }

        var ops: [Op] = []
        var text: [UInt8] = []
        var names: [Name] = []
        var partials: [String] = []

        init(_ nodes: [Node]) {
            append(nodes)
        }

        private mutating func append(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .text(let bytes):
                    ops.append(.text(start: text.count, end: text.count + bytes.count))
                    text.append(contentsOf: bytes)
                case .variable(let name, let escaped):
                    names.append(name)
                    ops.append(.variable(name: names.count - 1, escaped: escaped))
                case .section(let name, let children, let inverted):
                    names.append(name)
                    let nameIndex = names.count - 1
                    let at = ops.count
                    ops.append(.text(start: 0, end: 0))   // placeholder until the end is known
                    append(children)
                    ops[at] = .section(name: nameIndex, end: ops.count, inverted: inverted)
                case .partial(let name, _, _):
                    partials.append(name)
                    ops.append(.partial(partials.count - 1))
                }
            }
        }
    }
}
