import Templates
import Web

/// Job payloads for people: sensitive fields redacted, then rendered as nested <details>
/// elements (collapsible without JavaScript) with every key and value HTML-escaped.
public struct PayloadView: Sendable {
    /// Field names are matched case-insensitively as substrings: "smtp_password" is redacted
    /// by "password". Configurable with --redact-fields / LOOKOUT_REDACT_FIELDS.
    public let redactedFields: [String]
    public static let defaultFields = ["password", "token", "secret", "api_key", "apikey", "authorization"]
    public static let mask = "[redacted]"

    public init(redactedFields: [String] = PayloadView.defaultFields) {
        self.redactedFields = redactedFields.map { $0.lowercased() }.filter { !$0.isEmpty }
    }

    func isSensitive(_ key: String) -> Bool {
        let lower = key.lowercased()
        return redactedFields.contains { lower.contains($0) }
    }

    /// The payload with sensitive values replaced, as a JSON value (for the API).
    public func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(fields.map { ($0.0, isSensitive($0.0) ? .string(Self.mask) : redacted($0.1)) })
        case .array(let items):
            return .array(items.map(redacted))
        default:
            return value
        }
    }

    public func redacted(text: String) -> JSONValue {
        guard let value = try? JSONParser.parse(text) else { return .string(text) }
        return redacted(value)
    }

    /// One line for a table cell: the redacted JSON, shortened.
    public func preview(_ text: String, limit: Int = 120) -> String {
        let line = redacted(text: text).serialized()
        return line.count <= limit ? line : String(line.prefix(limit)) + "…"
    }

    /// The HTML of the viewer (already escaped: safe to insert unescaped).
    public func html(_ text: String) -> String {
        guard let value = try? JSONParser.parse(text) else {
            return "<pre class=\"json\">" + HTMLEscape.escape(text) + "</pre>"
        }
        var out = "<div class=\"json\">"
        render(redacted(value), into: &out, depth: 0)
        return out + "</div>"
    }

    private func render(_ value: JSONValue, into out: inout String, depth: Int) {
        switch value {
        case .object(let fields):
            if fields.isEmpty { out += "<span class=\"j-punct\">{}</span>"; return }
            out += "<details\(depth < 3 ? " open" : "")><summary>{ \(fields.count) field\(fields.count == 1 ? "" : "s") }</summary><ul>"
            for (key, item) in fields {
                out += "<li><span class=\"j-key\">" + HTMLEscape.escape(key) + "</span>: "
                render(item, into: &out, depth: depth + 1)
                out += "</li>"
            }
            out += "</ul></details>"
        case .array(let items):
            if items.isEmpty { out += "<span class=\"j-punct\">[]</span>"; return }
            out += "<details\(depth < 3 ? " open" : "")><summary>[ \(items.count) item\(items.count == 1 ? "" : "s") ]</summary><ol start=\"0\">"
            for item in items {
                out += "<li>"
                render(item, into: &out, depth: depth + 1)
                out += "</li>"
            }
            out += "</ol></details>"
        case .string(let s):
            let cls = s == Self.mask ? "j-redacted" : "j-string"
            out += "<span class=\"\(cls)\">\"" + HTMLEscape.escape(s) + "\"</span>"
        case .int, .double:
            out += "<span class=\"j-number\">" + value.serialized() + "</span>"
        case .bool:
            out += "<span class=\"j-bool\">" + value.serialized() + "</span>"
        case .null:
            out += "<span class=\"j-null\">null</span>"
        }
    }
}
