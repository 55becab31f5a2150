/// Limits the request parser enforces, as configuration (the shape of NIOHTTP1's decoder
/// limits). Exceeding one yields the status RFC 9110/6585 names for it.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line (method, target, version) in bytes; past it: 414.
    public var maxRequestLineBytes: Int
    /// Largest header section (request line included) in bytes; past it: 431.
    public var maxHeaderBytes: Int
    /// Most header fields; past it: 431.
    public var maxHeaderCount: Int
    /// Largest request body in bytes, by Content-Length or after chunked decoding; past it: 413.
    public var maxBodyBytes: Int

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024,
                maxHeaderCount: Int = 100, maxBodyBytes: Int = 16 * 1024 * 1024) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
