@testable import PipelineStages
import Testing

@Suite struct GitignoreRuleTests {
  private func rule(_ line: String) -> GitignoreRule? { GitignoreRule(line: Substring(line)) }

  @Test(arguments: ["", "# a comment", "#*.log", "   ", "!", "/", "\r"])
  func linesWithoutAPattern(_ line: String) {
    #expect(rule(line) == nil)
  }

  @Test func escapedHashAndBangAreLiteral() throws {
    let hash = try #require(rule("\\#notes"))
    #expect(hash.matches("#notes", isDirectory: false))
    #expect(!hash.isNegated)
    let bang = try #require(rule(#"\!important"#))
    #expect(!bang.isNegated)
    #expect(bang.matches("!important", isDirectory: false))
    #expect(!bang.matches("important", isDirectory: false))
  }

  @Test func aBangNegates() throws {
    let negated = try #require(rule("!keep.log"))
    #expect(negated.isNegated)
    #expect(negated.matches("keep.log", isDirectory: false))
  }

  @Test func trailingSpacesAreTrimmedUnlessEscaped() throws {
    let trimmed = try #require(rule("a.txt   "))
    #expect(trimmed.matches("a.txt", isDirectory: false))
    #expect(!trimmed.matches("a.txt   ", isDirectory: false))
    let escaped = try #require(rule(#"a\ "#))
    #expect(escaped.matches("a ", isDirectory: false))
    #expect(!escaped.matches("a", isDirectory: false))
    let tab = try #require(rule("a\t"))
    #expect(tab.matches("a\t", isDirectory: false))
  }

  @Test func aCarriageReturnIsDropped() throws {
    let crlf = try #require(rule("*.log\r"))
    #expect(crlf.matches("x.log", isDirectory: false))
  }

  @Test func bracesAreLiteral() throws {
    let braces = try #require(rule("{a,b}.txt"))
    #expect(braces.matches("{a,b}.txt", isDirectory: false))
    #expect(!braces.matches("a.txt", isDirectory: false))
  }

  @Test func classesAndWildcards() throws {
    let pattern = try #require(rule("f[a-c]?[!x].*"))
    #expect(pattern.matches("fb1y.go", isDirectory: false))
    #expect(!pattern.matches("fd1y.go", isDirectory: false))
    #expect(!pattern.matches("fb1x.go", isDirectory: false))
    #expect(try #require(rule("doc/*.txt")).matches("doc/a.txt", isDirectory: false))
    #expect(!(try #require(rule("doc/*.txt")).matches("doc/x/a.txt", isDirectory: false)))
  }

  @Test func aPatternGitCannotMatchMatchesNothing() throws {
    let unclosed = try #require(rule("[abc"))
    #expect(!unclosed.matches("[abc", isDirectory: false))
    #expect(!unclosed.matches("a", isDirectory: false))
  }

  @Test func whereThePatternAppliesFollowsItsSlashes() throws {
    #expect(try #require(rule("build/")).matchesNameOnly)
    #expect(try #require(rule("build/")).matchesDirectoriesOnly)
    #expect(!(try #require(rule("/build")).matchesNameOnly))
    #expect(!(try #require(rule("a/b")).matchesNameOnly))
    #expect(try #require(rule("*.log")).matches("deep/in/x.log", isDirectory: false))
    #expect(!(try #require(rule("/x.log")).matches("deep/x.log", isDirectory: false)))
    #expect(!(try #require(rule("out/")).matches("out", isDirectory: false)))
  }

  @Test func aFileSkipsItsByteOrderMarkAndSplitsCRLFLines() {
    let file = GitignoreFile(text: "\u{FEFF}*.log\r\n# c\r\n\r\n!keep.log\r\n")
    #expect(file.rules.map(\.text) == ["*.log", "!keep.log"])
    #expect(file.lastMatch(for: "keep.log", isDirectory: false)?.isNegated == true)
  }
}
