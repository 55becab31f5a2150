import HTTP
import Testing
import Web

struct Boom: Error, CustomStringConvertible {
    var description: String { "SELECT secret FROM users -- internal detail" }
}

func application() -> WebApplication {
    var router = Router()
    router.get("/queues") { _ in .text("list") }
    router.get("/queues/:name") { request in .text("queue \(request.parameters["name"] ?? "?")") }
    router.post("/queues/:name/pause") { request in .text("paused \(request.parameters["name"] ?? "?")") }
    router.get("/files/*rest") { request in .text("rest \(request.parameters["rest"] ?? "?")") }
    router.get("/query") { request in .text("q=\(request.query["q"] ?? "nil") n=\(try request.query.int("n", in: 1...10) ?? -1)") }
    router.post("/form") { request in
        let form = try request.form()
        return .text("name=\(try form.require("name"))")
    }
    router.get("/boom") { _ in throw Boom() }
    router.get("/api/boom") { _ in throw Boom() }
    router.get("/teapot") { _ in throw HTTPError(418, "short and stout") }
    return WebApplication(router: router, defaultHeaders: ["X-Content-Type-Options": "nosniff"])
}

@Suite("Router, parameters and the error responder")
struct RouterTests {
    let app = application()

    @Test func matchesLiteralAndCapturedSegments() {
        #expect(app.respond(to: makeRequest("GET", "/queues")).bodyText == "list")
        #expect(app.respond(to: makeRequest("GET", "/queues/email-sending")).bodyText == "queue email-sending")
        #expect(app.respond(to: makeRequest("GET", "/queues/a%20b%3Ac")).bodyText == "queue a b:c")
        #expect(app.respond(to: makeRequest("GET", "/queues/x/")).bodyText == "queue x")
    }

    @Test func anEncodedSlashStaysInsideOneSegment() {
        #expect(app.respond(to: makeRequest("GET", "/queues/a%2Fb")).bodyText == "queue a/b")
        #expect(app.respond(to: makeRequest("GET", "/queues/a/b")).status == 404)
    }

    @Test func restCapturesTheRemainingPath() {
        #expect(app.respond(to: makeRequest("GET", "/files/css/site.css")).bodyText == "rest css/site.css")
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() {
        #expect(app.respond(to: makeRequest("GET", "/nowhere")).status == 404)
        let response = app.respond(to: makeRequest("DELETE", "/queues"))
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, HEAD")
        let post = app.respond(to: makeRequest("GET", "/queues/q/pause"))
        #expect(post.status == 405)
        #expect(post.headers["Allow"] == "POST")
    }

    @Test func headIsServedByGetRoutes() {
        #expect(app.respond(to: makeRequest("HEAD", "/queues")).status == 200)
    }

    @Test func queryStringsDecodePlusAndPercent() {
        #expect(app.respond(to: makeRequest("GET", "/query?q=a+b%26c&n=3")).bodyText == "q=a b&c n=3")
    }

    @Test func badInputIs400NamingTheField() {
        let badNumber = app.respond(to: makeRequest("GET", "/query?n=eleven"))
        #expect(badNumber.status == 400)
        #expect(badNumber.bodyText.contains("'n' must be a whole number from 1 to 10"))
        let badEscape = app.respond(to: makeRequest("GET", "/query?q=%zz"))
        #expect(badEscape.status == 400)
        #expect(badEscape.bodyText.contains("'q'"))
        let badUTF8 = app.respond(to: makeRequest("GET", "/query?q=%ff"))
        #expect(badUTF8.status == 400)
        #expect(app.respond(to: makeRequest("GET", "/queues/%zz")).status == 400)
    }

    @Test func formsAreDecodedAndValidated() {
        let form = [("Content-Type", "application/x-www-form-urlencoded")]
        #expect(app.respond(to: makeRequest("POST", "/form", headers: form, body: "name=J%C3%BCrgen+K")).bodyText == "name=Jürgen K")
        let missing = app.respond(to: makeRequest("POST", "/form", headers: form, body: "other=1"))
        #expect(missing.status == 400)
        #expect(missing.bodyText.contains("'name' is required"))
        #expect(app.respond(to: makeRequest("POST", "/form", headers: [("Content-Type", "text/plain")], body: "name=x")).status == 415)
    }

    @Test func unknownErrorsBecomeBare500sWithTheRequestID() {
        let page = app.respond(to: makeRequest("GET", "/boom"))
        #expect(page.status == 500)
        #expect(!page.bodyText.contains("SELECT"))
        #expect(page.bodyText.contains("test-req-1"))
        let api = app.respond(to: makeRequest("GET", "/api/boom"))
        #expect(api.status == 500)
        #expect(api.headers["Content-Type"] == "application/json")
        #expect(api.bodyText == "{\"error\":{\"status\":500,\"message\":\"Internal server error\",\"request_id\":\"test-req-1\"}}\n")
    }

    @Test func httpErrorsKeepTheirStatusAndMessage() {
        let response = app.respond(to: makeRequest("GET", "/teapot"))
        #expect(response.status == 418)
        #expect(response.bodyText.contains("short and stout"))
    }

    @Test func defaultHeadersAreOnEveryResponseErrorsIncluded() {
        #expect(app.respond(to: makeRequest("GET", "/queues")).headers["X-Content-Type-Options"] == "nosniff")
        #expect(app.respond(to: makeRequest("GET", "/nowhere")).headers["X-Content-Type-Options"] == "nosniff")
    }

    @Test func redirectsStayOnThisSite() {
        #expect(HTTPResponse.redirect(to: "/queues?x=1").headers["Location"] == "/queues?x=1")
        #expect(HTTPResponse.redirect(to: "//evil.example/").headers["Location"] == "/")
        #expect(HTTPResponse.redirect(to: "https://evil.example/").headers["Location"] == "/")
        #expect(HTTPResponse.redirect(to: "/\\evil.example").headers["Location"] == "/")
        #expect(HTTPResponse.redirect(to: "/a").status == 303)
    }

    @Test func cookiesParseAndSetCookieCarriesItsAttributes() {
        #expect(Cookies.parse("a=1; b=\"two\"; c") == ["a": "1", "b": "two"])
        #expect(Cookies.setCookie(name: "s", value: "v", maxAge: 60, secure: true)
            == "s=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax")
    }

    @Test func jsonEscapesEverythingThatNeedsIt() {
        let value: JSONValue = ["text": "quote\" backslash\\ newline\n tab\t bell\u{07} </script>", "n": 3, "ok": true, "none": .null]
        #expect(value.serialized() == "{\"text\":\"quote\\\" backslash\\\\ newline\\n tab\\t bell\\u0007 \\u003c/script\\u003e\",\"n\":3,\"ok\":true,\"none\":null}")
    }
}
