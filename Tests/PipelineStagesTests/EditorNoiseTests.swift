@testable import PipelineStages
import Testing

@Suite struct EditorNoiseTests {
  @Test(arguments: [
    ".main.go.swp", ".main.go.swo", ".main.go.swx", "main.go~", "~", ".#main.go", "#main.go#", "4913",
    ".main.go.kate-swp", "main.go___jb_tmp___", "main.go___jb_old___", ".goutputstream-Q3ZP1Z",
    "main.go.tmp.48213",
  ])
  func editorFiles(_ name: String) {
    #expect(EditorNoise.matches(Substring(name)))
  }

  @Test(arguments: [
    "main.go", "swp", "notes.tmp", "main.go.tmp.x", "main.go.tmp.", ".tmp.123", "#readme", "49130", "4913.go",
    "main.kate-swp", "goutputstream-1", "a#",
  ])
  func ordinaryFiles(_ name: String) {
    #expect(!EditorNoise.matches(Substring(name)))
  }

  @Test(arguments: [
    "a.tmp.1", "..tmp.1", ".tmp.tmp.7", "a.tmp.tmp.7", "a..tmp.12", "x.tmp.1a", "x.tmp.１", "x.tmp\u{301}.1", "x.\u{301}tmp.1",
    "naïve.tmp.42", "a.tmp.", "a.tmp.9.tmp.9",
  ])
  func numberedTemporariesAsBefore(_ name: String) {
    #expect(EditorNoise.matches(Substring(name)) == Self.numberedTemporaryBefore(Substring(name)) || Self.otherRuleMatches(name))
  }

  /// `*.tmp.<digits>` as it was checked before the byte shortcut: split at every `.`.
  static func numberedTemporaryBefore(_ name: Substring) -> Bool {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 3, let digits = parts.last, parts[parts.count - 2] == "tmp" else { return false }
    let hasStem = parts.dropLast(2).contains { !$0.isEmpty }
    return hasStem && !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isWholeNumber }
  }

  static func otherRuleMatches(_ name: String) -> Bool {
    name.hasSuffix("~") || name.hasPrefix(".#")
  }
}
