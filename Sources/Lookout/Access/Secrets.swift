/// Random tokens and constant-time comparison for credentials.
enum Secrets {
    /// `bytes` random bytes as lowercase hex. SystemRandomNumberGenerator reads the kernel's
    /// CSPRNG (getrandom(2) on Linux).
    static func randomHex(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two secrets in time that depends only on their lengths, so the position of
    /// the first wrong character cannot be timed.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// API tokens start with this, so secret scanners and people can recognise one.
    static let tokenPrefix = "lookout_"

    static func newAPIToken() -> String { tokenPrefix + randomHex() }
}
