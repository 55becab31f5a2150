import Templates
import Testing

func render(_ source: String, _ context: TemplateValue, partials: [String: String] = [:]) throws -> String {
    var sources = partials
    sources["main"] = source
    let library = try TemplateLibrary(sources: sources)
    return String(decoding: library.render("main", context), as: UTF8.self)
}

@Suite("Templates")
struct TemplateTests {
    @Test func variablesAreEscapedByDefault() throws {
        #expect(try render("<p>{{v}}</p>", ["v": "<script>alert('x') & \"y\"</script>"])
            == "<p>&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>")
        #expect(try render("<a title=\"{{v}}\">", ["v": "\" onmouseover=\"x"]) == "<a title=\"&quot; onmouseover=&quot;x\">")
    }

    @Test func tripleAndAmpersandAreUnescaped() throws {
        #expect(try render("{{{v}}}|{{& v}}", ["v": "<b>"]) == "<b>|<b>")
        #expect(try render("{{v}}", ["v": .html("<b>safe</b>")]) == "<b>safe</b>")
    }

    @Test func missingValuesRenderNothing() throws {
        #expect(try render("[{{nope}}][{{a.b.c}}]", [:]) == "[][]")
    }

    @Test func numbersAndBooleans() throws {
        #expect(try render("{{n}} {{b}}", ["n": 42, "b": true]) == "42 true")
    }

    @Test func sectionsIterateListsAndScopeObjects() throws {
        #expect(try render("{{#items}}<{{name}}>{{/items}}", ["items": [["name": "a"], ["name": "b&"]]]) == "<a><b&amp;>")
        #expect(try render("{{#user}}{{name}} of {{team}}{{/user}}", ["user": ["name": "ann"], "team": "ops"]) == "ann of ops")
        #expect(try render("{{#list}}{{.}},{{/list}}", ["list": ["x", "y"]]) == "x,y,")
        #expect(try render("{{#flag}}on{{/flag}}{{#off}}never{{/off}}", ["flag": true, "off": false]) == "on")
    }

    @Test func invertedSectionsRenderForMissingOrFalsy() throws {
        let source = "{{^items}}none{{/items}}"
        #expect(try render(source, ["items": []]) == "none")
        #expect(try render(source, [:]) == "none")
        #expect(try render(source, ["items": ["x"]]) == "")
        #expect(try render("{{^s}}empty{{/s}}", ["s": ""]) == "empty")
    }

    @Test func dottedNames() throws {
        #expect(try render("{{a.b.c}}", ["a": ["b": ["c": "deep"]]]) == "deep")
        #expect(try render("{{#nav.queues}}active{{/nav.queues}}", ["nav": ["queues": true]]) == "active")
    }

    @Test func partialsSeeTheCurrentContext() throws {
        #expect(try render("{{#rows}}{{> row}}{{/rows}}", ["rows": [["n": 1], ["n": 2]]], partials: ["row": "<r>{{n}}</r>"]) == "<r>1</r><r>2</r>")
    }

    @Test func standaloneTagLinesVanish() throws {
        let source = "<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n</ul>\n{{! note }}\nend\n"
        #expect(try render(source, ["items": ["a", "b"]]) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\nend\n")
        let nested = "{{#a}}\n{{^b}}\nx\n{{/b}}\n{{/a}}\n"
        #expect(try render(nested, ["a": true]) == "x\n")
    }

    @Test func inlineTagsKeepTheirLine() throws {
        #expect(try render("a {{#t}}b{{/t}} c\n", ["t": true]) == "a b c\n")
    }

    @Test func layoutWrapsThePage() throws {
        let library = try TemplateLibrary(sources: ["layout": "<main>{{{content}}}</main><t>{{title}}</t>", "page": "<p>{{title}}</p>"])
        #expect(String(decoding: library.renderPage("page", ["title": "A&B"]), as: UTF8.self)
            == "<main><p>A&amp;B</p></main><t>A&amp;B</t>")
    }

    @Test func selfIncludingPartialsStop() throws {
        let out = try render("{{> loop}}", [:], partials: ["loop": "x{{> loop}}"])
        #expect(out.count == 32)   // 32 levels of partials, then it stops
    }
}

@Suite("Template errors name file, line and column")
struct TemplateErrorTests {
    func error(_ source: String, partials: [String: String] = [:]) -> TemplateError? {
        do {
            _ = try render(source, [:], partials: partials)
            return nil
        } catch let error as TemplateError {
            return error
        } catch {
            return nil
        }
    }

    @Test func unclosedTag() {
        #expect(error("line one\n  {{name") == TemplateError(file: "main", line: 2, column: 3, message: "unclosed tag: '{{' without '}}'"))
        #expect(error("{{{raw}}")?.description == "main:1:1: unclosed tag: '{{{' without '}}}'")
    }

    @Test func unclosedSection() {
        #expect(error("a\n{{#items}}\nb") == TemplateError(file: "main", line: 2, column: 1, message: "section 'items' is never closed"))
    }

    @Test func mismatchedClose() {
        #expect(error("{{#a}}\n  x {{/b}}") == TemplateError(file: "main", line: 2, column: 5, message: "'{{/b}}' does not match '{{#a}}' opened at 1:1"))
        #expect(error("x{{/a}}") == TemplateError(file: "main", line: 1, column: 2, message: "'{{/a}}' closes no open section"))
    }

    @Test func emptyAndInvalidNames() {
        #expect(error("{{ }}") == TemplateError(file: "main", line: 1, column: 1, message: "empty tag"))
        #expect(error("ab{{a b}}") == TemplateError(file: "main", line: 1, column: 3, message: "invalid name 'a b' in tag"))
    }

    @Test func missingPartial() {
        #expect(error("x\n\n   {{> nowhere}}") == TemplateError(file: "main", line: 3, column: 4, message: "partial 'nowhere' does not exist"))
    }
}
