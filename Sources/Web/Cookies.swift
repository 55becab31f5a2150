import HTTP

/// Cookie header parsing (RFC 6265 §5.4) and Set-Cookie building (§4.1).
public enum Cookies {
    public static func parse(_ header: String?) -> [String: String] {
        guard let header else { return [:] }
        var result: [String: String] = [:]
        for piece in header.split(separator: ";") {
            let parts = piece.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingOWS()
            var value = parts[1].trimmingOWS()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    public enum SameSite: String, Sendable { case strict = "Strict", lax = "Lax", none = "None" }

    public static func setCookie(name: String, value: String, path: String = "/", maxAge: Int? = nil,
                                 httpOnly: Bool = true, secure: Bool = false, sameSite: SameSite = .lax) -> String {
        var text = "\(name)=\(value); Path=\(path)"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if httpOnly { text += "; HttpOnly" }
        if secure { text += "; Secure" }
        text += "; SameSite=\(sameSite.rawValue)"
        return text
    }
}
