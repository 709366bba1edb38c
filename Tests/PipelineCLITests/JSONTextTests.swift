import PipelineCore
import Testing

@testable import PipelineCLI

/// package.json is read by ``JSONText``, which must read what npm reads and say where it breaks.
@Suite("JSONText")
struct JSONTextTests {
  @Test func readsEveryKindOfValue() throws {
    let text = #" {"name": "x", "n": [1, -2.5e3, 0], "ok": true, "no": false, "none": null, "nested": {"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00"}} "#
    let value = try JSONText.parse(text)
    #expect(value == .object([
      "name": .string("x"), "n": .array([.number("1"), .number("-2.5e3"), .number("0")]),
      "ok": .bool(true), "no": .bool(false), "none": .null,
      "nested": .object(["s": .string("a\"b\\c/d\né😀")]),
    ]))
  }

  @Test(arguments: [
    ("{\"main\": app.js}", 9, "unexpected character 'a'"),
    ("{\"a\": 1,", 8, "expected a key in double quotes"),
    ("{\"a\": 1", 7, "unexpected end of file: the object is not closed"),
    ("[1 2]", 3, "expected ',' or ']'"),
    ("{\"a\": \"open", 6, "this string is not closed"),
    ("{\"a\": 01}", 7, "a number cannot start with 0"),
    ("{} x", 3, "unexpected text after the JSON value"),
    ("{\"a\": \"\\q\"}", 7, "unknown escape '\\q'"),
    ("", 0, "unexpected end of file"),
  ])
  func saysWhereTheTextBreaks(text: String, offset: Int, problem: String) {
    #expect(throws: JSONText.SyntaxError(offset: offset, problem: problem)) { try JSONText.parse(text) }
  }
}
