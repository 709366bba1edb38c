import Testing

@testable import PipelineStages

@Suite("GlobPattern")
struct GlobPatternTests {
  @Test("* and ? stay inside one segment", arguments: [
    ("*.go", "main.go", true),
    ("*.go", "a/b.go", false),
    ("*.go", "main.rs", false),
    ("*", "a", true),
    ("*", ".hidden", true),
    ("*", "a/b", false),
    ("a*b", "ab", true),
    ("a*b", "axxb", true),
    ("a*b", "ax/xb", false),
    ("*_test.go", "a_test.go_test.go", true),
    ("?.go", "a.go", true),
    ("?.go", "ab.go", false),
    ("?.go", ".go", false),
    ("a?b", "a/b", false),
    ("?", "é", true),
    ("??", "é", false),
    ("*é?", "xéé", true),
  ])
  func wildcards(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("** as a segment matches zero or more segments", arguments: [
    ("**/*.go", "main.go", true),
    ("**/*.go", "a/b/main.go", true),
    ("**/*.go", "a/b/main.rs", false),
    ("**/*_test.go", "x/y_test.go", true),
    ("**/*_test.go", "y_test.go", true),
    ("**/*_test.go", "y.go", false),
    ("tmp/**", "tmp/x", true),
    ("tmp/**", "tmp/a/b", true),
    ("tmp/**", "tmp", false),
    ("tmp/**", "tmpx/a", false),
    ("vendor/**", "vendorx/a", false),
    ("vendor/**", "a/vendor/b", false),
    ("a/**/b", "a/b", true),
    ("a/**/b", "a/x/b", true),
    ("a/**/b", "a/x/y/b", true),
    ("a/**/b", "a/x/y/c", false),
    ("a/**/b", "b", false),
    ("a/**/**/b", "a/b", true),
    ("**/b/**", "a/b/c", true),
    ("**/b/**", "b/c/d", true),
    ("**/b/**", "a/b", false),
    ("src/**/test/*.go", "src/test/x.go", true),
    ("src/**/test/*.go", "src/a/test/b/x.go", false),
    ("**", "a", true),
    ("**", "a/b/c", true),
    ("**", "", true),
  ])
  func globstar(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("** not alone in its segment is a *", arguments: [
    ("a**b", "axb", true),
    ("a**b", "a/b", false),
    ("**.go", "a.go", true),
    ("**.go", "x/a.go", false),
    ("x/***", "x/y", true),
    ("x/***", "x/y/z", true),
  ])
  func doubleStarInsideSegment(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("classes match one character, never /", arguments: [
    ("[abc].go", "b.go", true),
    ("[abc].go", "d.go", false),
    ("[a-z]x", "qx", true),
    ("[a-z]x", "Qx", false),
    ("[a-cx-z]", "y", true),
    ("[!a]bc", "abc", false),
    ("[!a]bc", "xbc", true),
    ("[^a]bc", "abc", false),
    ("[^a]bc", "xbc", true),
    ("[]]", "]", true),
    ("[]a]", "a", true),
    ("[!]]", "]", false),
    ("[!]]", "x", true),
    ("[a-]", "-", true),
    ("[\\]]", "]", true),
    ("[*]", "*", true),
    ("[*]", "x", false),
    ("a[/]b", "a/b", false),
    ("a[!x]b", "a/b", false),
    ("[é]", "é", true),
    ("[à-ü]", "é", true),
    ("[!a]", "é", true),
    ("[!é]", "é", false),
  ])
  func classes(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("braces match any alternative", arguments: [
    ("*.{go,tmpl}", "a.go", true),
    ("*.{go,tmpl}", "a.tmpl", true),
    ("*.{go,tmpl}", "a.rs", false),
    ("{src,lib}/**/*.{go,tmpl}", "lib/x/y.tmpl", true),
    ("{src,lib}/**/*.{go,tmpl}", "src/y.go", true),
    ("{src,lib}/**/*.{go,tmpl}", "doc/y.go", false),
    ("file{,.bak}", "file", true),
    ("file{,.bak}", "file.bak", true),
    ("file{,.bak}", "file.ba", false),
    ("{a,b{c,d}}x", "bdx", true),
    ("{a,b{c,d}}x", "ax", true),
    ("{a,b{c,d}}x", "bx", false),
    ("{src/,}main.go", "main.go", true),
    ("{src/,}main.go", "src/main.go", true),
    ("a/{**,x}/b", "a/y/z/b", true),
    ("{*,x}*", "a/b", true),
    ("{[,],x}y", ",y", true),
    ("a,b", "a,b", true),
    ("a}", "a}", true),
    ("{}", "", true),
  ])
  func braces(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("\\ makes the next character literal", arguments: [
    ("\\*.go", "*.go", true),
    ("\\*.go", "a.go", false),
    ("a\\?", "a?", true),
    ("a\\?", "ab", false),
    ("\\[a]", "[a]", true),
    ("\\{a,b\\}", "{a,b}", true),
    ("a\\\\b", "a\\b", true),
    ("\\a", "a", true),
  ])
  func escapes(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("patterns are anchored at the root", arguments: [
    ("./src/*.go", "src/a.go", true),
    ("/src/*.go", "src/a.go", true),
    ("/*.go", "a/b.go", false),
    ("src/*.go", "x/src/a.go", false),
    ("main.go", "main.go", true),
    ("main.go", "cmd/main.go", false),
    ("main.go", "main.gox", false),
    ("a//b", "a/b", true),
    ("", "", true),
    ("", "a", false),
  ])
  func anchoring(pattern: String, path: String, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path) == expected)
  }

  @Test("a trailing / matches directories only", arguments: [
    ("build/", "build", true, true),
    ("build/", "build", false, false),
    ("**/node_modules/", "a/node_modules", true, true),
    ("**/node_modules/", "a/node_modules", false, false),
    ("build", "build", true, true),
    ("build", "build", false, true),
    ("build\\/", "build", false, true),
  ])
  func directories(pattern: String, path: String, isDirectory: Bool, expected: Bool) throws {
    #expect(try GlobPattern(pattern).matches(path, isDirectory: isDirectory) == expected)
  }

  @Test func directoryOnlyPatternsSaySo() throws {
    let pattern = try GlobPattern("./build/")
    #expect(pattern.matchesDirectoriesOnly)
    #expect(!pattern.matches("build"))
    #expect(try !GlobPattern("build").matchesDirectoriesOnly)
  }

  @Test("syntax errors say what and where", arguments: [
    ("src/{a,b", "unclosed '{' at offset 4 in 'src/{a,b'"),
    ("{a,{b,c}", "unclosed '{' at offset 0 in '{a,{b,c}'"),
    ("[ab", "unclosed '[' at offset 0 in '[ab'"),
    ("a[]", "unclosed '[' at offset 1 in 'a[]'"),
    ("[!]", "unclosed '[' at offset 0 in '[!]'"),
    ("ab\\", "trailing '\\' at offset 2 in 'ab\\'"),
    ("[a\\", "trailing '\\' at offset 2 in '[a\\'"),
    ("[z-a]", "invalid range 'z-a' at offset 1 in '[z-a]'"),
    ("e\u{301}{", "unclosed '{' at offset 1 in 'e\u{301}{'"),
  ])
  func syntaxErrors(pattern: String, message: String) {
    let error = #expect(throws: GlobPattern.SyntaxError.self) { try GlobPattern(pattern) }
    #expect(error?.message == message)
    #expect(error?.description == message)
  }

  @Test func syntaxErrorsSayWhatToDo() {
    #expect(throws: GlobPattern.SyntaxError(reason: .unclosedBrace, offset: 0, pattern: "{a")) {
      try GlobPattern("{a")
    }
    let error = GlobPattern.SyntaxError(reason: .unclosedBrace, offset: 0, pattern: "{a")
    #expect(error.help == "close it with '}' or write '\\{' for a literal '{'")
  }

  @Test func bracesExpandToABoundedNumberOfAlternatives() throws {
    let tenGroups = String(repeating: "{a,b}", count: 10)
    #expect(try GlobPattern(tenGroups).matches("abababbbba"))
    #expect(
      throws: GlobPattern.SyntaxError(
        reason: .tooManyAlternatives, offset: 50, pattern: tenGroups + "{a,b}")
    ) {
      try GlobPattern(tenGroups + "{a,b}")
    }
  }

  @Test("pathological patterns take polynomial time", arguments: [
    ("*a*a*a*a*a*a*b", String(repeating: "a", count: 200)),
    ("**/a*a*a*a*a*b/**/**/**/**/c", String(repeating: "aaaaaaaa/", count: 30) + "b"),
  ])
  func noExponentialBlowup(pattern: String, path: String) throws {
    let glob = try GlobPattern(pattern)
    let elapsed = ContinuousClock().measure {
      #expect(!glob.matches(path))
    }
    // Exponential backtracking would take years here; a generous bound tolerates slow CI.
    #expect(elapsed < .seconds(1))
  }

  @Test func equalityAndDescriptionFollowTheText() throws {
    let glob = try GlobPattern("src/**/*.go")
    #expect(glob.description == "src/**/*.go")
    #expect(glob == (try GlobPattern("src/**/*.go")))
    #expect(glob != (try GlobPattern("./src/**/*.go")))
    #expect(Set([glob, try GlobPattern("src/**/*.go")]).count == 1)
  }

  @Test func worksAsAFilterPredicate() throws {
    let glob = try GlobPattern("**/*.go")
    let paths = ["main.go", "README.md", "cmd/tool/main.go"]
    #expect(paths.filter(glob.matches) == ["main.go", "cmd/tool/main.go"])
  }
}
