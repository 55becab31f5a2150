/// How sign-in sessions behave and which routes answer without one.
public struct AccessSettings: Sendable {
    public var idleSeconds: Int
    public var maxSeconds: Int
    /// Cookies get the Secure attribute (browsers reach Lookout over HTTPS).
    public var secureCookies: Bool
    /// /health and /api/v1/health/* also need a session or token.
    public var privateProbes: Bool
    public var throttle = AccessStore.Throttle()

    public init(idleSeconds: Int = 1800, maxSeconds: Int = 43200, secureCookies: Bool = false, privateProbes: Bool = false) {
        self.idleSeconds = idleSeconds
        self.maxSeconds = maxSeconds
        self.secureCookies = secureCookies
        self.privateProbes = privateProbes
    }
}
