import HTTP
import Templates
import Web

/// Renders pages into the shared layout with what every page needs: title, the active
/// navigation entry, and the live-refresh state (a 5-second meta refresh that the user can
/// pause with a link: no JavaScript needed).
public final class Pages: ErrorPageRenderer {
    public enum Section: String, Sendable, CaseIterable {
        case overview, queues, infrastructure, logs, admin
    }

    let templates: TemplateLibrary

    init(templates: TemplateLibrary) {
        self.templates = templates
    }

    /// `live` pages refresh every 5 s unless the URL says `refresh=off`.
    func render(_ template: String, for request: Request, title: String, section: Section?, live: Bool,
                data: [String: TemplateValue] = [:]) -> HTTPResponse {
        var context = data
        context["title"] = .string(title)
        context["version"] = .string(LookoutVersion.current)
        context["requestID"] = .string(request.requestID)
        var nav: [String: TemplateValue] = [:]
        for entry in Section.allCases { nav[entry.rawValue] = .bool(entry == section) }
        context["nav"] = .object(nav)
        let paused = request.query["refresh"] == "off"
        context["live"] = .bool(live)
        context["paused"] = .bool(paused)
        context["pauseURL"] = .string(Self.url(path: request.path, query: request.query, setting: "refresh", to: "off"))
        context["resumeURL"] = .string(Self.url(path: request.path, query: request.query, setting: "refresh", to: nil))
        context["navQuery"] = .string(paused ? "?refresh=off" : "")
        if let principal = request.principal {
            // Buttons show only for roles that may use them; the server refuses the rest anyway.
            context["user"] = .object(["name": .string(principal.name), "role": .string(principal.role.rawValue),
                                       "tenant": TemplateValue(principal.tenant)])
            context["csrf"] = .string(principal.csrfToken ?? "")
            context["isSession"] = .bool(principal.csrfToken != nil)
            context["canOperate"] = .bool(principal.role >= .operator)
            context["canOperateAll"] = .bool(principal.role >= .operator && principal.tenant == nil)
            context["isAdmin"] = .bool(principal.role == .admin)
        }
        let flash = Flash.message(in: request)
        context["flash"] = TemplateValue(flash)
        var response = HTTPResponse.html(templates.renderPage(template, .object(context)))
        if flash != nil { response.headers.add("Set-Cookie", Flash.clearing) }
        return response
    }

    public func renderErrorPage(status: Int, message: String, requestID: String) -> [UInt8]? {
        let context: TemplateValue = .object([
            "title": .string("\(status) \(HTTPStatus.reason(status))"),
            "status": .int(status),
            "reason": .string(HTTPStatus.reason(status)),
            "message": .string(message),
            "requestID": .string(requestID),
            "version": .string(LookoutVersion.current),
            "serverError": .bool(status >= 500),
            "nav": .object([:]),
        ])
        return templates.renderPage("error", context)
    }

    /// The same path with one query parameter replaced (or removed when `value` is nil).
    static func url(path: String, query: Parameters, setting name: String, to value: String?) -> String {
        var pairs = query.pairs.filter { $0.0 != name }
        if let value { pairs.append((name, value)) }
        guard !pairs.isEmpty else { return path }
        return path + "?" + pairs.map { URLEncoding.percentEncode($0.0) + "=" + URLEncoding.percentEncode($0.1) }.joined(separator: "&")
    }
}
