import HTTP
import Web

/// One-shot messages after a POST: set in a cookie on the redirect, shown once by the next
/// page, then cleared (the Post/Redirect/Get pattern, no server-side state).
enum Flash {
    static let cookie = "lookout_flash"

    static func redirect(to location: String, message: String) -> HTTPResponse {
        var response = HTTPResponse.redirect(to: location)
        response.headers.add("Set-Cookie", Cookies.setCookie(name: cookie, value: URLEncoding.percentEncode(String(message.prefix(500))),
                                                             path: "/", maxAge: 60))
        return response
    }

    /// The message the request carries, if any.
    static func message(in request: Request) -> String? {
        guard let raw = request.cookies[cookie], !raw.isEmpty else { return nil }
        return try? URLEncoding.percentDecode(raw)
    }

    static let clearing = Cookies.setCookie(name: cookie, value: "", path: "/", maxAge: 0)
}
