/// The data a template renders: built by view models, never by the template itself.
public enum TemplateValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    /// Markup that is already safe (rendered by a template); shown unescaped even by {{name}}.
    case html(String)
    case list([TemplateValue])
    case fields(TemplateObject)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .fields(TemplateObject(elements))
    }

    public init(_ value: String?) { self = value.map(TemplateValue.string) ?? .null }

    /// An object from a dictionary.
    public static func object(_ fields: [String: TemplateValue]) -> TemplateValue {
        .fields(TemplateObject(fields.map { ($0.key, $0.value) }))
    }

    /// Sections render for truthy values: not null, not false, not 0, not "", not an empty list.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .string(let s): return !s.isEmpty
        case .html(let s): return !s.isEmpty
        case .list(let items): return !items.isEmpty
        case .int(let i): return i != 0
        case .fields: return true
        }
    }

    func member(_ name: String) -> TemplateValue? {
        if case .fields(let object) = self { return object[name] }
        return nil
    }

    /// A copy of this object with `name` set (or an object holding only `name`).
    public func setting(_ name: String, _ value: TemplateValue) -> TemplateValue {
        var pairs: [(String, TemplateValue)] = []
        if case .fields(let existing) = self { pairs = Array(zip(existing.keys, existing.values)) }
        pairs.removeAll { $0.0 == name }
        pairs.append((name, value))
        return .fields(TemplateObject(pairs))
    }
}

/// Named values, searched linearly: view-model objects have a handful of short keys, for
/// which comparing strings beats hashing them (measured on the benchmark page).
public final class TemplateObject: Sendable {
    let keys: [String]
    let values: [TemplateValue]

    public init(_ pairs: [(String, TemplateValue)]) {
        var keys: [String] = [], values: [TemplateValue] = []
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            if let existing = keys.firstIndex(of: key) {
                values[existing] = value   // the last of duplicate keys wins
            } else {
                keys.append(key)
                values.append(value)
            }
        }
        self.keys = keys
        self.values = values
    }

    /// Looks at position `hint` first; on a miss, searches and moves the hint.
    func value(_ name: String, hint: inout Int) -> TemplateValue? {
        if hint < keys.count, keys[hint] == name { return values[hint] }
        guard let found = keys.firstIndex(of: name) else { return nil }
        hint = found
        return values[found]
    }

    subscript(name: String) -> TemplateValue? {
        keys.withUnsafeBufferPointer { buffer in
            for index in buffer.indices where buffer[index] == name { return values[index] }
            return nil
        }
    }
}
