import HTTP

/// Constructors for the responses handlers return most.
extension HTTPResponse {
    public static func html(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: bytes)
    }

    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", text: text)
    }

    public static func json(_ json: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", text: json.serialized() + "\n")
    }

    /// A redirect to a path on this site only ("/..." but not "//host"): no open redirects.
    /// 303 after a POST so that the browser follows with GET (RFC 9110 §15.4.4).
    public static func redirect(to location: String, status: Int = 303) -> HTTPResponse {
        let safe = location.hasPrefix("/") && !location.hasPrefix("//") && !location.hasPrefix("/\\") ? location : "/"
        return HTTPResponse(status: status, headers: ["Location": safe, "Content-Type": "text/plain; charset=utf-8"],
                            body: .bytes(Array("See \(safe)\n".utf8)))
    }
}
