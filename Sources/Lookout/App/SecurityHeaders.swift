import HTTP

/// Headers on every response: no inline script may run, no framing, no MIME sniffing,
/// no full URLs leaked in Referer.
enum SecurityHeaders {
    static let all: HTTPHeaders = [
        "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; img-src 'self' data:",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    ]
}
