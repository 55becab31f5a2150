import Foundation
import HTTP
import Testing
import Web

/// A throwaway folder: root/Public with files, plus a secret beside it and a symlink out.
final class StaticFixture {
    let base: String
    let publicDir: String

    init() throws {
        base = NSTemporaryDirectory() + "lookout-static-\(UInt32.random(in: 0...UInt32.max))"
        publicDir = base + "/Public"
        let fm = FileManager.default
        try fm.createDirectory(atPath: publicDir + "/css", withIntermediateDirectories: true)
        try "body{}".write(toFile: publicDir + "/css/site.css", atomically: true, encoding: .utf8)
        try "<svg/>".write(toFile: publicDir + "/logo.svg", atomically: true, encoding: .utf8)
        try "hidden".write(toFile: publicDir + "/.env", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: publicDir + "/escape.txt", withDestinationPath: base + "/secret.txt")
        try fm.createSymbolicLink(atPath: publicDir + "/inside.css", withDestinationPath: publicDir + "/css/site.css")
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }
}

@Suite("Static files")
struct StaticFilesTests {
    let fixture: StaticFixture
    let files: StaticFiles

    init() throws {
        fixture = try StaticFixture()
        files = try StaticFiles(root: fixture.publicDir)
    }

    func get(_ raw: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        let request = try Request(makeRequest("GET", "/public/" + raw, headers: headers))
        do {
            return try files.response(rawPath: Substring(raw), request: request)
        } catch {
            return HTTPResponse(status: error.status)
        }
    }

    @Test func servesFilesWithTypeAndValidators() throws {
        let response = try get("css/site.css")
        #expect(response.status == 200)
        #expect(response.bodyText == "body{}")
        #expect(response.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(response.headers["ETag"] != nil)
        #expect(response.headers["Last-Modified"] != nil)
        #expect(response.headers["Cache-Control"] == "public, max-age=300")
        #expect(try get("logo.svg").headers["Content-Type"] == "image/svg+xml")
    }

    @Test func conditionalRequestsGet304() throws {
        let first = try get("css/site.css")
        let etag = first.headers["ETag"]!
        #expect(try get("css/site.css", headers: [("If-None-Match", etag)]).status == 304)
        #expect(try get("css/site.css", headers: [("If-None-Match", "\"other\", " + etag)]).status == 304)
        #expect(try get("css/site.css", headers: [("If-None-Match", "\"other\"")]).status == 200)
        let modified = first.headers["Last-Modified"]!
        #expect(try get("css/site.css", headers: [("If-Modified-Since", modified)]).status == 304)
        #expect(try get("css/site.css", headers: [("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")]).status == 200)
        // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
        #expect(try get("css/site.css", headers: [("If-None-Match", "\"other\""), ("If-Modified-Since", modified)]).status == 200)
    }

    @Test(arguments: ["../secret.txt", "css/../../secret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
                      "css%2F..%2F..%2Fsecret.txt", "..%5csecret.txt", "escape.txt", ".env", "css", "", "nope.css",
                      "css//site.css", "%00", "css/site.css%00.png", "%zz"])
    func neverEscapesTheFolder(_ path: String) throws {
        #expect(try get(path).status == 404, "\(path)")
    }

    @Test func symlinksInsideTheFolderStillWork() throws {
        #expect(try get("inside.css").status == 200)
    }
}
