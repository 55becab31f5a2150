#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Request IDs: the client's when it is sane, else a random per-process prefix and a counter
/// (unique, cheap: no syscall per request).
public enum RequestID {
    private static let prefix: String = {
        let bytes = (0..<6).map { _ in UInt8.random(in: 0...255) }
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }()
    private static let counter = Atomic<UInt64>(0)

    public static func make() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let hex = String(n, radix: 16)
        return prefix + "-" + String(repeating: "0", count: max(0, 10 - hex.count)) + hex
    }

    /// 1-128 characters of [A-Za-z0-9._:-]: safe to echo in a header, a log line and HTML.
    public static func isAcceptable(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= 128 else { return false }
        return utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
        }
    }
}
