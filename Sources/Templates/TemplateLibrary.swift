import Foundation

/// Every template of a folder, parsed once at start-up, with partial references checked.
/// A page renders into the shared layout through `{{{content}}}`.
public final class TemplateLibrary: Sendable {
    private let templates: [String: Template]

    /// Templates from strings (name -> source).
    public init(sources: [String: String]) throws(TemplateError) {
        var parsed: [String: Template] = [:]
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            parsed[name] = try Template(name: name, source: source)
        }
        templates = parsed
        try checkPartials()
    }

    /// Every `*.html` under `directory`, named by relative path without extension
    /// ("queues/index", "partials/nav").
    public convenience init(directory: String) throws(TemplateError) {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw TemplateError(file: directory, line: 0, column: 0, message: "template folder not found")
        }
        var sources: [String: String] = [:]
        for case let url as URL in enumerator where url.pathExtension == "html" {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            guard let source = try? String(contentsOf: url, encoding: .utf8) else {
                throw TemplateError(file: relative, line: 0, column: 0, message: "cannot be read as UTF-8")
            }
            sources[String(relative.dropLast(5))] = source
        }
        guard !sources.isEmpty else { throw TemplateError(file: directory, line: 0, column: 0, message: "no templates found") }
        do {
            try self.init(sources: sources)
        } catch {
            // Name the file as it is on disk.
            throw TemplateError(file: error.file + ".html", line: error.line, column: error.column, message: error.message)
        }
    }

    private func checkPartials() throws(TemplateError) {
        for (name, template) in templates {
            for reference in template.partialReferences where templates[reference.name] == nil {
                throw TemplateError(file: name, line: reference.line, column: reference.column,
                                    message: "partial '\(reference.name)' does not exist")
            }
        }
    }

    public var names: [String] { templates.keys.sorted() }

    public func contains(_ name: String) -> Bool { templates[name] != nil }

    /// Renders one template. Asking for a template that does not exist is a programming error.
    public func render(_ name: String, _ context: TemplateValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 * 1024)
        render(name, context, into: &out)
        return out
    }

    public func render(_ name: String, _ context: TemplateValue, into out: inout [UInt8]) {
        guard let template = templates[name] else { preconditionFailure("no template named \(name)") }
        template.render(context, into: &out) { self.templates[$0] }
    }

    /// Renders `name`, then the layout around it with the same context plus `content`.
    public func renderPage(_ name: String, _ context: TemplateValue, layout: String = "layout") -> [UInt8] {
        let content = render(name, context)
        return render(layout, context.setting("content", .html(String(decoding: content, as: UTF8.self))))
    }
}
