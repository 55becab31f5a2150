#if canImport(Glibc)
import Glibc
#endif
import HTTP

/// Serves files under one folder with validators (ETag, Last-Modified, 304) and cache headers.
/// A path may not leave the folder: not through "..", not through percent-encoded forms of
/// it, not through a symbolic link; hidden files are not served.
public struct StaticFiles: Sendable {
    public let root: String
    let cacheControl: String

    public init(root: String, cacheControl: String = "public, max-age=300") throws(HTTPError) {
        guard let resolved = Self.realPath(root) else { throw HTTPError(500, "static folder missing") }
        self.root = resolved
        self.cacheControl = cacheControl
    }

    /// `rawPath` is the part of the request path under the mount point, still percent-encoded.
    public func response(rawPath: Substring, request: Request) throws(HTTPError) -> HTTPResponse {
        var segments: [String] = []
        for raw in rawPath.split(separator: "/", omittingEmptySubsequences: false) {
            let segment: String
            do { segment = try URLEncoding.percentDecode(raw) } catch { throw HTTPError.notFound() }
            guard !segment.isEmpty, !segment.hasPrefix("."),
                  !segment.contains("/"), !segment.contains("\\"), !segment.contains("\0") else { throw HTTPError.notFound() }
            segments.append(segment)
        }
        guard !segments.isEmpty, let resolved = Self.realPath(root + "/" + segments.joined(separator: "/")),
              resolved.hasPrefix(root + "/") else { throw HTTPError.notFound() }

        let fd = open(resolved, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HTTPError.notFound() }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw HTTPError.notFound() }

        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec)
        let etag = "\"\(String(size, radix: 16))-\(String(modified, radix: 16))-\(String(info.st_mtim.tv_nsec, radix: 16))\""
        var headers: HTTPHeaders = [
            "ETag": etag,
            "Last-Modified": HTTPDate.format(modified),
            "Cache-Control": cacheControl,
            "X-Content-Type-Options": "nosniff",
        ]
        if Self.notModified(request.headers, etag: etag, modified: modified) {
            return HTTPResponse(status: 304, headers: headers)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, size - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw HTTPError(500, "could not read file") }
            offset += n
        }
        headers.add("Content-Type", MimeTypes.type(forPath: resolved))
        return HTTPResponse(status: 200, headers: headers, body: .bytes(bytes))
    }

    /// RFC 9110 §13.2.2: If-None-Match, when present, decides; If-Modified-Since only without it.
    static func notModified(_ headers: HTTPHeaders, etag: String, modified: Int) -> Bool {
        if headers.contains("If-None-Match") {
            let tags = headers.values("If-None-Match").flatMap { $0.split(separator: ",") }.map { $0.trimmingOWS() }
            return tags.contains("*") || tags.contains { $0 == etag || $0 == "W/" + etag }
        }
        if let since = headers["If-Modified-Since"].flatMap(HTTPDate.parse) {
            return modified <= since
        }
        return false
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
