/// The data a template renders: built by view models, never by the template itself.
public indirect enum TemplateValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    /// Markup that is already safe (rendered by a template); shown unescaped even by {{name}}.
    case html(String)
    case list([TemplateValue])
    case object([String: TemplateValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    public init(_ value: String?) { self = value.map(TemplateValue.string) ?? .null }

    /// Sections render for truthy values: not null, not false, not "", not an empty list.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .string(let s): return !s.isEmpty
        case .html(let s): return !s.isEmpty
        case .list(let items): return !items.isEmpty
        case .int, .object: return true
        }
    }

    func member(_ name: String) -> TemplateValue? {
        if case .object(let fields) = self { return fields[name] }
        return nil
    }

    /// A copy of this object with `name` set (or an object holding only `name`).
    public func setting(_ name: String, _ value: TemplateValue) -> TemplateValue {
        var fields: [String: TemplateValue] = [:]
        if case .object(let existing) = self { fields = existing }
        fields[name] = value
        return .object(fields)
    }
}
