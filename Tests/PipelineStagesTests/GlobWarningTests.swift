import PipelineCore
import Testing

@testable import PipelineStages

/// `**` inside a name (`**.go`) is a `*`: it matches in one folder only, which is rarely what
/// its author meant; `validate` and `run` say so, with both ways to write it.
@Suite struct GlobWarningTests {
  func advice(_ filterKeys: String) throws -> [String] {
    let text = "stages:\n  - stage: watch\n  - stage: filter\n\(filterKeys)"
    let definition = try PipelineLoader(registry: .builtIn).load(text: text, file: "p.yaml", root: "/")
    return definition.advice().map(\.description)
  }

  @Test func aDoubleStarInsideANameMatchesOneFolderAndIsWarnedAbout() throws {
    #expect(try GlobPattern("**.go").matches("main.go"))
    #expect(try !GlobPattern("**.go").matches("cmd/main.go"))
    let warnings = try advice("    include: [\"**.go\", \"**/*.md\"]\n    exclude: \"src/**_test.go\"\n")
    #expect(
      warnings == [
        """
        p.yaml:4:15: warning: glob '**.go': `**` inside a name is `*`, which does not cross a `/`, so it matches in one folder only
          help: write "**/*.go" to match at any depth, or "*.go" if one folder is meant
        """,
        """
        p.yaml:5:14: warning: glob 'src/**_test.go': `**` inside a name is `*`, which does not cross a `/`, so it matches in one folder only
          help: write "src/**/*_test.go" to match at any depth, or "src/*_test.go" if one folder is meant
        """,
      ])
  }

  @Test func doubleStarsInTheMiddleOfANameGetTheGeneralHelp() throws {
    let warnings = try advice("    include: [\"a**b\"]\n")
    #expect(warnings.count == 1)
    #expect(warnings.first?.hasSuffix("help: use `**` as a whole segment (`a/**/b`) to cross folders, or write \"a*b\" if one folder is meant") == true)
  }

  @Test func wellFormedGlobsGetNoWarning() throws {
    #expect(try advice("    include: [\"**/*.go\", \"src/**\", \"*.md\", \"{a,b}/**/x\"]\n").isEmpty)
  }
}
