import PipelineCore
import Testing

/// The YAML reader: what each construct a pipeline file uses reads as, with the place of every
/// value and key (see `YAMLRendering` for the notation), and the diagnostic of each mistake.
@Suite("YAML reader") struct YAMLReaderTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var expected: String
    var testDescription: String { name }
  }

  static func read(_ yaml: String) -> String {
    do throws(Diagnostic) {
      return YAMLRendering.render(try YAMLNodeConverter.parse(yaml, file: "t.yaml"))
    } catch {
      return error.description
    }
  }

  static let values: [Case] = [
    Case(
      name: "a list item holding a mapping",
      yaml: "stages:\n  - stage: build\n    run: make\n",
      expected: "{stages@1:1: [{stage@2:5: \"build\"@2:12, run@3:5: \"make\"@3:10}@2:5]@2:3}@1:1"),
    Case(
      name: "a list at the indentation of its key",
      yaml: "stages:\n- stage: x\n  after:\n  - a\n- stage: y\n",
      expected: "{stages@1:1: [{stage@2:3: \"x\"@2:10, after@3:3: [\"a\"@4:5]@4:3}@2:3, {stage@5:3: \"y\"@5:10}@5:3]@2:1}@1:1"),
    Case(
      name: "any indentation, nested lists",
      yaml: "a:\n    - - x\n      - y\n    -   z\n",
      expected: "{a@1:1: [[\"x\"@2:9, \"y\"@3:9]@2:7, \"z\"@4:9]@2:5}@1:1"),
    Case(
      name: "an item on the lines after its dash, and empty items",
      yaml: "-\n  stage: x\n-\n- y\n",
      expected: "[{stage@2:3: \"x\"@2:10}@2:3, ~@3:2, \"y\"@4:3]@1:1"),
    Case(
      name: "nested mappings and an empty value",
      yaml: "a:\n  b:\n    c: 1\n  e:\nf: 3\n",
      expected: "{a@1:1: {b@2:3: {c@3:5: \"1\"@3:8}@3:5, e@4:3: ~@4:5}@2:3, f@5:1: \"3\"@5:4}@1:1"),
    Case(
      name: "flow collections",
      yaml: "a: [a, b, \"c d\"]\nb: {signal: SIGINT, kill_after: 5s}\n",
      expected: "{a@1:1: [\"a\"@1:5, \"b\"@1:8, 'c d'@1:11]@1:4, b@2:1: {signal@2:5: \"SIGINT\"@2:13, kill_after@2:21: \"5s\"@2:33}@2:4}@1:1"),
    Case(
      name: "nested and empty flow collections",
      yaml: "a: [[1, 2], {x: y}, []]\nb: {}\n",
      expected: "{a@1:1: [[\"1\"@1:6, \"2\"@1:9]@1:5, {x@1:14: \"y\"@1:17}@1:13, []@1:21]@1:4, b@2:1: {}@2:4}@1:1"),
    Case(
      name: "a flow list over lines with a trailing comma and a comment",
      yaml: "a: [a,  # first\n  b,\n  c,\n]\nb: {x: 1,\n  y: 2,}\n",
      expected: "{a@1:1: [\"a\"@1:5, \"b\"@2:3, \"c\"@3:3]@1:4, b@5:1: {x@5:5: \"1\"@5:8, y@6:3: \"2\"@6:6}@5:4}@1:1"),
    Case(
      name: "empty values in a flow mapping",
      yaml: "a: {x: , y}\n",
      expected: "{a@1:1: {x@1:5: ~@1:8, y@1:10: ~@1:11}@1:4}@1:1"),
    Case(
      name: "a pair in a flow list",
      yaml: "a: [x: 1, y]\n",
      expected: "{a@1:1: [{x@1:5: \"1\"@1:8}@1:5, \"y\"@1:11]@1:4}@1:1"),
    Case(
      name: "plain scalars with ':', '#', '-' inside",
      yaml: "url: http://x:8080/a#top\nab: a:b\nneg: -1\ndash: a-b\npath: ./tmp/main\nenv: ${PORT}\ncmd: go build -o ./tmp/main .\n",
      expected: "{url@1:1: \"http://x:8080/a#top\"@1:6, ab@2:1: \"a:b\"@2:5, neg@3:1: \"-1\"@3:6, dash@4:1: \"a-b\"@4:7, path@5:1: \"./tmp/main\"@5:7, env@6:1: \"${PORT}\"@6:6, cmd@7:1: \"go build -o ./tmp/main .\"@7:6}@1:1"),
    Case(
      name: "plain scalars in flow context end at , ] }",
      yaml: "a: [http://x, a:b, -1, x y]\n",
      expected: "{a@1:1: [\"http://x\"@1:5, \"a:b\"@1:15, \"-1\"@1:20, \"x y\"@1:24]@1:4}@1:1"),
    Case(
      name: "a plain scalar continued on more-indented lines",
      yaml: "long: this is\n  continued on\n  several lines\n\n  and a paragraph\nnext: 1\n",
      expected: "{long@1:1: \"this is continued on several lines\\nand a paragraph\"@1:7, next@6:1: \"1\"@6:7}@1:1"),
    Case(
      name: "a plain list item continued",
      yaml: "- item one\n  continued\n- two\n",
      expected: "[\"item one continued\"@1:3, \"two\"@3:3]@1:1"),
    Case(
      name: "nulls",
      yaml: "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\ng: nulls\n",
      expected: "{a@1:1: ~@1:4, b@2:1: ~@2:4, c@3:1: ~@3:4, d@4:1: ~@4:4, e@5:1: ~@5:3, f@6:1: ''@6:4, g@7:1: \"nulls\"@7:4}@1:1"),
    Case(
      name: "single quotes",
      yaml: "a: 'it''s'\nb: '  spaces kept  '\n",
      expected: "{a@1:1: 'it's'@1:4, b@2:1: '  spaces kept  '@2:4}@1:1"),
    Case(
      name: "double quotes over lines fold",
      yaml: "a: \"line one\n  line two\n\n  para\"\n",
      expected: "{a@1:1: 'line one line two\\npara'@1:4}@1:1"),
    Case(
      name: "single quotes over lines fold",
      yaml: "a: 'one\n  two\n\n\n  three'\n",
      expected: "{a@1:1: 'one two\\n\\nthree'@1:4}@1:1"),
    Case(
      name: "an escaped line break joins lines",
      yaml: "a: \"join \\\n  ed\"\n",
      expected: "{a@1:1: 'join ed'@1:4}@1:1"),
    Case(
      name: "quoted keys",
      yaml: "'quoted key': 1\n\"dq\": 2\n",
      expected: "{quoted key@1:1: \"1\"@1:15, dq@2:1: \"2\"@2:7}@1:1"),
    Case(
      name: "a literal block scalar",
      yaml: "a: |\n  line1\n   line2\nb: 1\n",
      expected: "{a@1:1: 'line1\\n line2\\n'@1:4, b@4:1: \"1\"@4:4}@1:1"),
    Case(
      name: "a folded block scalar",
      yaml: "a: >\n  folded\n  text\n\n  para\n    more\n  back\nb: 1\n",
      expected: "{a@1:1: 'folded text\\npara\\n  more\\nback\\n'@1:4, b@8:1: \"1\"@8:4}@1:1"),
    Case(
      name: "strip chomping",
      yaml: "a: |-\n  x\n\nb: 1\n",
      expected: "{a@1:1: 'x'@1:4, b@4:1: \"1\"@4:4}@1:1"),
    Case(
      name: "keep chomping",
      yaml: "a: |+\n  x\n\n\nb: 1\n",
      expected: "{a@1:1: 'x\\n\\n\\n'@1:4, b@5:1: \"1\"@5:4}@1:1"),
    Case(
      name: "an indentation indicator",
      yaml: "a: |2\n    indented\n  base\n",
      expected: "{a@1:1: '  indented\\nbase\\n'@1:4}@1:1"),
    Case(
      name: "a comment after the indicator, blank lines inside",
      yaml: "a: | # comment\n\n  after blank\n\n  inner blank\n",
      expected: "{a@1:1: '\\nafter blank\\n\\ninner blank\\n'@1:4}@1:1"),
    Case(
      name: "block scalars as list items",
      yaml: "- |\n  item\n- >-\n  fold\n  ed\n",
      expected: "['item\\n'@1:3, 'fold ed'@3:3]@1:1"),
    Case(
      name: "an empty block scalar",
      yaml: "a: |\nb: 1\n",
      expected: "{a@1:1: ''@1:4, b@2:1: \"1\"@2:4}@1:1"),
    Case(
      name: "comments, blank lines, '---' and '...'",
      yaml: "# head\n---\n\na: 1 # trailing\n# between\n\nb: 2#not a comment\n...\n# after\n",
      expected: "{a@4:1: \"1\"@4:4, b@7:1: \"2#not a comment\"@7:4}@4:1"),
    Case(
      name: "a BOM and CRLF line endings",
      yaml: "\u{FEFF}a: 1\r\nb: [x,\r\n  y]\r\n",
      expected: "{a@1:1: \"1\"@1:4, b@2:1: [\"x\"@2:5, \"y\"@3:3]@2:4}@1:1"),
    Case(
      name: "only comments is no document",
      yaml: "# only a comment\n\n",
      expected: "nil"),
    Case(
      name: "anchors and aliases copy scalars, lists and mappings",
      yaml: "a: &s one\nb: *s\nl: &l [1, 2]\nm: &m\n  k: v\nc: [*l, *m]\n",
      expected: "{a@1:1: \"one\"@1:4, b@2:1: \"one\"@1:4, l@3:1: [\"1\"@3:8, \"2\"@3:11]@3:4, m@4:1: {k@5:3: \"v\"@5:6}@4:4, c@6:1: [[\"1\"@3:8, \"2\"@3:11]@3:4, {k@5:3: \"v\"@5:6}@4:4]@6:4}@1:1"),
    Case(
      name: "a merge key",
      yaml: "x-app: &app {signal: SIGINT, kill_after: 5s}\nstages:\n  - stage: restart\n    <<: *app\n    signal: SIGTERM\n",
      expected: "{x-app@1:1: {signal@1:14: \"SIGINT\"@1:22, kill_after@1:30: \"5s\"@1:42}@1:8, stages@2:1: [{stage@3:5: \"restart\"@3:12, signal@5:5: \"SIGTERM\"@5:13, kill_after@1:30: \"5s\"@1:42}@3:5]@3:3}@1:1"),
    Case(
      name: "a merge of a list of mappings, the first winning",
      yaml: "d1: &d1 {a: 1, b: 2}\nd2: &d2 {b: 3, c: 4}\nm:\n  <<: [*d1, *d2]\n  a: 0\n",
      expected: "{d1@1:1: {a@1:10: \"1\"@1:13, b@1:16: \"2\"@1:19}@1:5, d2@2:1: {b@2:10: \"3\"@2:13, c@2:16: \"4\"@2:19}@2:5, m@3:1: {a@5:3: \"0\"@5:6, b@1:16: \"2\"@1:19, c@2:16: \"4\"@2:19}@4:3}@1:1"),
    Case(
      name: "an anchor on a key's line anchors the key",
      yaml: "- &k key: v\n- *k\n",
      expected: "[{key@1:3: \"v\"@1:11}@1:3, \"key\"@1:3]@1:1"),
    Case(
      name: "!!str makes a string, other core tags are ignored",
      yaml: "a: !!str 123\nb: !!int 5\nc: !!bool true\nd: !!null ~\ne: !!str ~\nf: !!map {x: 1}\ng: !!seq [1]\n",
      expected: "{a@1:1: '123'@1:4, b@2:1: \"5\"@2:4, c@3:1: \"true\"@3:4, d@4:1: ~@4:4, e@5:1: '~'@5:4, f@6:1: {x@6:11: \"1\"@6:14}@6:4, g@7:1: [\"1\"@7:11]@7:4}@1:1"),
    Case(
      name: "non-ASCII text, columns count characters",
      yaml: "é: \"ü 😀\"\nb: [😀, x]\n",
      expected: "{é@1:1: 'ü 😀'@1:4, b@2:1: [\"😀\"@2:5, \"x\"@2:8]@2:4}@1:1"),
  ]

  @Test("reads as YAML 1.2 reads it", arguments: values)
  func value(_ example: Case) {
    #expect(Self.read(example.yaml) == example.expected)
  }

  @Test("double quotes know YAML's escapes")
  func escapes() throws {
    let node = try YAMLNodeConverter.parse(#"a: "\n\t\"\\\/\0\a\b\e\f\r\v\x41\u00e9\U0001F600 \N\_\L\P""#, file: "t.yaml")
    #expect(node?["a"]?.value.value == .scalar("\n\t\"\\/\u{0}\u{7}\u{8}\u{1B}\u{C}\r\u{B}Aé😀 \u{85}\u{A0}\u{2028}\u{2029}", quoted: true))
  }

  @Test("an empty text, or only blank lines, is no document")
  func empty() {
    #expect(Self.read("") == "nil")
    #expect(Self.read("   \n\n") == "nil")
  }

  static let errors: [Case] = [
    Case(
      name: "bad indentation of a key",
      yaml: "stages:\n  - stage: tick\n  - stage: shell\n     run: make\n",
      expected: "t.yaml:4:6: error: invalid YAML: this line is indented more than the key above it\n  help: line it up with the keys above it; if it continues the value above, quote that value (a value with ': ' or ' #' in it needs quotes)"),
    Case(
      name: "a key less indented than its mapping",
      yaml: "a:\n    b: 1\n  c: 2\n",
      expected: "t.yaml:3:3: error: invalid YAML: this line is indented more than the keys of the mapping above it (column 1)\n  help: line it up with the keys it belongs with, or indent it under a key that ends with ':'"),
    Case(
      name: "a tab in the indentation",
      yaml: "stages:\n\t- stage: x\n",
      expected: "t.yaml:2:1: error: invalid YAML: a tab cannot indent YAML; use spaces\n  help: replace the tabs at the start of this line with spaces"),
    Case(
      name: "key: value: more",
      yaml: "run: echo a: b\n",
      expected: "t.yaml:1:12: error: invalid YAML: this ': ' makes a second key inside a value\n  help: a value with ': ' in it needs quotes: \"echo a: b\""),
    Case(
      name: "a line without a key in a mapping",
      yaml: "a: 1\nb\nc: 2\n",
      expected: "t.yaml:2:1: error: invalid YAML: this line has no 'key:', but the mapping above it expects one at this indentation\n  help: write `key: value`; if the line continues the value above, indent it more than the key"),
    Case(
      name: "a list item among keys",
      yaml: "a: 1\n- b\n",
      expected: "t.yaml:2:1: error: invalid YAML: a list item ('- ') at the indentation of the keys above it\n  help: a list is the value of a key: write the key (`stages:`) and the items under it"),
    Case(
      name: "a list item after a key on its line",
      yaml: "a: - b\n",
      expected: "t.yaml:1:4: error: invalid YAML: a list item ('- ') cannot start here\n  help: start the list on the next line, indented under its key; or write it as [a, b]; a value starting with '- ' needs quotes"),
    Case(
      name: "an unclosed list",
      yaml: "a: [1, 2\nb: 3\n",
      expected: "t.yaml:1:4: error: invalid YAML: this list is not closed: the file ends before its ']'\n  help: add the ']' where the list ends; a value in it with ': ', ',' or a bracket needs quotes"),
    Case(
      name: "an unclosed list before the end of the file",
      yaml: "a: [1, 2",
      expected: "t.yaml:1:4: error: invalid YAML: this list is not closed: the file ends before its ']'\n  help: add the ']' where the list ends; a value in it with ': ', ',' or a bracket needs quotes"),
    Case(
      name: "an unclosed mapping",
      yaml: "a: {x: 1\n",
      expected: "t.yaml:1:4: error: invalid YAML: this mapping is not closed: the file ends before its '}'\n  help: add the '}' where the mapping ends; a value in it with ': ', ',' or a bracket needs quotes"),
    Case(
      name: "an unclosed single quote",
      yaml: "a: 'open\nb: 1\n",
      expected: "t.yaml:1:4: error: invalid YAML: this quoted value is not closed before the end of the file\n  help: add the closing quote where the value ends"),
    Case(
      name: "an unclosed double quote",
      yaml: "a: \"open\n",
      expected: "t.yaml:1:4: error: invalid YAML: this quoted value is not closed before the end of the file\n  help: add the closing quote where the value ends"),
    Case(
      name: "a stray ]",
      yaml: "a: ]\n",
      expected: "t.yaml:1:4: error: invalid YAML: this ']' closes nothing: no '[' is open here\n  help: remove it, or add the '[' where the list starts; a value starting with ']' needs quotes"),
    Case(
      name: "a stray } in a list",
      yaml: "a: [x}\n",
      expected: "t.yaml:1:4: error: invalid YAML: this list is not closed: at 1:6 a ',' or ']' was expected\n  help: add the ']' where the list ends; a value in it with ': ', ',' or a bracket needs quotes"),
    Case(
      name: "a plain *glob",
      yaml: "include: [*.go]\n",
      expected: "t.yaml:1:11: error: invalid YAML: '*.go' is read as a YAML alias, and an alias name is letters, digits, '-' and '_'\n  help: a value starting with `*` is read as a YAML alias; quote it: `\"*.go\"`"),
    Case(
      name: "a plain &glob",
      yaml: "include: &x.go\n",
      expected: "t.yaml:1:10: error: invalid YAML: '&x.go' is read as a YAML anchor, and an anchor name is letters, digits, '-' and '_'\n  help: a value starting with `&` is read as a YAML anchor; quote it: `\"&x.go\"`"),
    Case(
      name: "an unknown alias",
      yaml: "a: *nope\n",
      expected: "t.yaml:1:4: error: invalid YAML: the alias '*nope' names no anchor: no '&nope' comes before it\n  help: mark the value to reuse with `&nope` above this place; if '*nope' is meant as text, quote it: `\"*nope\"`"),
    Case(
      name: "a block scalar line less indented than its text",
      yaml: "a: |\n    x\n  y\n",
      expected: "t.yaml:3:3: error: invalid YAML: this line is indented less than the text of the block scalar at 1:4 (column 5, as its first line, 2:5)\n  help: indent every line of the block at least as much as its first line; to end the block, line up this one with the keys above it"),
    Case(
      name: "a bad block scalar header",
      yaml: "a: |x\n  t\n",
      expected: "t.yaml:1:5: error: invalid YAML: after '|' or '>' only '-', '+', an indentation digit and a comment may follow\n  help: start the text of the block on the next line, indented"),
    Case(
      name: "text after a quoted value",
      yaml: "a: \"x\" y\n",
      expected: "t.yaml:1:8: error: invalid YAML: text after the quoted value on the same line\n  help: remove it, or quote the whole value; a comment needs a space before its '#'"),
    Case(
      name: "text after a flow list",
      yaml: "a: [x] y\n",
      expected: "t.yaml:1:8: error: invalid YAML: text after the list or mapping on the same line\n  help: remove it, or quote the whole value; a comment needs a space before its '#'"),
    Case(
      name: "a second document",
      yaml: "a: 1\n---\nb: 2\n",
      expected: "t.yaml:2:1: error: invalid YAML: a second document starts here; a pipeline file holds one\n  help: remove this '---' (and join the two parts), or move what follows into a file of its own"),
    Case(
      name: "an unknown escape",
      yaml: "a: \"C:\\dir\"\n",
      expected: "t.yaml:1:7: error: invalid YAML: '\\d' is not an escape in double quotes\n  help: write '\\\\' for a backslash, or use single quotes, in which '\\' is just a character: 'C:\\dir'"),
    Case(
      name: "a short \\x escape",
      yaml: "a: \"\\x4\"\n",
      expected: "t.yaml:1:5: error: invalid YAML: '\\x' must be followed by 2 hexadecimal digits of a Unicode character\n  help: write it like \\x41, \\u00e9 or \\U0001F600, or write '\\\\' for a backslash"),
    Case(
      name: "a tag that is not a core tag",
      yaml: "a: !secret x\n",
      expected: "t.yaml:1:4: error: invalid YAML: tags such as '!secret' are not supported\n  help: remove the tag; to make a value a string, quote it (or tag it !!str)"),
    Case(
      name: "a complex key",
      yaml: "? complex\n: value\n",
      expected: "t.yaml:1:1: error: invalid YAML: complex keys ('? ', or a list, mapping or alias as a key) are not supported\n  help: write keys as plain text (`key: value`); a key starting with '?' needs quotes"),
    Case(
      name: "a directive",
      yaml: "%YAML 1.2\n---\na: 1\n",
      expected: "t.yaml:1:1: error: invalid YAML: directives ('%YAML', '%TAG') are not supported\n  help: remove this line"),
    Case(
      name: "a duplicate key",
      yaml: "a: 1\nb: 2\na: 3\n",
      expected: "t.yaml:3:1: error: duplicate key 'a'\n  help: a key may appear once per mapping; remove one of them"),
    Case(
      name: "a duplicate key in a flow mapping",
      yaml: "a: {x: 1, x: 2}\n",
      expected: "t.yaml:1:11: error: duplicate key 'x'\n  help: a key may appear once per mapping; remove one of them"),
    Case(
      name: "an empty entry in a flow list",
      yaml: "a: [a,,b]\n",
      expected: "t.yaml:1:7: error: invalid YAML: an empty entry: two ',' in a row, or a ',' first\n  help: remove the extra ','"),
    Case(
      name: "a value starting with @",
      yaml: "a: @x\n",
      expected: "t.yaml:1:4: error: invalid YAML: a value cannot start with '@'\n  help: quote it: \"@x\""),
    Case(
      name: "text with a key continuing a line without one",
      yaml: "key\nother: 1\n",
      expected: "t.yaml:2:1: error: invalid YAML: this line has a 'key:', but it continues the text at 1:1, which has no ':'\n  help: end the key on the line above with ':', or quote the text (a value with ': ' or ' #' in it needs quotes)"),
    Case(
      name: "a line of a list indented more than its items",
      yaml: "- \"a\"\n  - b\n",
      expected: "t.yaml:2:3: error: invalid YAML: this line is indented more than the '- ' items of the list above it (column 1)\n  help: line it up with the '- ' of the items, or with the keys of the item it belongs to"),
    Case(
      name: "two anchors on one value",
      yaml: "a: &x &y 1\n",
      expected: "t.yaml:1:7: error: invalid YAML: a second anchor on the same value\n  help: give a value one '&name' at most"),
  ]

  @Test("a mistake is a diagnostic at its place, saying what to do", arguments: errors)
  func error(_ example: Case) {
    #expect(Self.read(example.yaml) == example.expected)
  }
}
