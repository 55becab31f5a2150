/// A parsed template: a mustache-like language kept small on purpose.
///
///     {{name}}  {{a.b}}  {{.}}     a value, HTML-escaped
///     {{{name}}}  {{& name}}       a value, unescaped (only for markup the app made)
///     {{#name}}...{{/name}}        a section: once per list item, once for a truthy value (not 0, "", false, null)
///     {{^name}}...{{/name}}        an inverted section: when the value is missing or falsy
///     {{> partial}}                another template of the library
///     {{! comment }}
///
/// Tags alone on their line (sections, comments, partials) take the line with them.
public struct Template: Sendable {
    /// A name resolved once at parse time: "." or "first.rest.rest".
    struct Name: Sendable {
        let first: String
        /// nil for a plain name (most are): nothing to retain when the name is read.
        let rest: [String]?
        let isCurrent: Bool

        init(_ text: String) {
            isCurrent = text == "."
            let parts = text.split(separator: ".").map(String.init)
            first = parts.first ?? text
            rest = parts.count > 1 ? Array(parts.dropFirst()) : nil
        }
    }

    indirect enum Node: Sendable {
        case text([UInt8])
        case variable(Name, escaped: Bool)
        case section(Name, [Node], inverted: Bool)
        case partial(String, line: Int, column: Int)
    }

    public let name: String
    let nodes: [Node]
    let program: Program

    public init(name: String, source: String) throws(TemplateError) {
        self.name = name
        nodes = try TemplateParser(name: name, source: source).parse()
        program = Program(nodes)
    }

    /// Names of the partials this template includes, with where, for load-time checking.
    var partialReferences: [(name: String, line: Int, column: Int)] {
        var found: [(String, Int, Int)] = []
        func walk(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .partial(let name, let line, let column): found.append((name, line, column))
                case .section(_, let children, _): walk(children)
                default: break
                }
            }
        }
        walk(nodes)
        return found
    }
}
