import Testing

@testable import PipelineCore

@Suite("Suggestions")
struct SuggestionsTests {
  static let stageKeys = ["after", "command", "kill_after", "name", "signal", "stage"]

  @Test(
    "suggests the nearest known word for a typo",
    arguments: [
      ("debounse", ["build", "debounce", "filter", "restart", "test", "watch"], "debounce"),
      ("kill_afer", stageKeys, "kill_after"),
      ("sigal", stageKeys, "signal"),
      ("afetr", stageKeys, "after"),
      ("Stage", stageKeys, "stage"),
      ("verison", PipelineLoader.topLevelKeys, "version"),
    ])
  func nearest(word: String, known: [String], expected: String) {
    #expect(Suggestions.nearest(to: word, in: known) == expected)
  }

  @Test(
    "points a key other watchers use at ours",
    arguments: [
      ("cmd", ["run", "signal", "kill_after"], "run"),  // air
      ("exec", ["run", "signal"], "run"),  // nodemon
      ("kill_delay", ["run", "signal", "kill_after"], "kill_after"),  // air
      ("delay", ["window", "max_wait"], "window"),  // air, nodemon
      ("ext", ["include", "extensions", "exclude"], "extensions"),  // nodemon
      ("ignore", ["include", "extensions", "exclude"], "exclude"),  // nodemon, in a filter stage
      ("ignore", ["paths", "exclude_dirs", "poll"], "exclude_dirs"),  // nodemon, in a watch stage
      ("Debounce", ["window", "max_wait"], "window"),  // watchexec
    ])
  func otherToolsWord(word: String, known: [String], expected: String) {
    #expect(Suggestions.nearest(to: word, in: known) == expected)
  }

  @Test("another watcher's word suggests nothing where our key is not known")
  func otherToolsWordOnlyWhereItApplies() {
    #expect(Suggestions.nearest(to: "cmd", in: ["window", "max_wait"]) == nil)
  }

  @Test("suggests nothing for a word far from every known one", arguments: ["deploy", "x", "compile", "zzzzzz"])
  func nothingForFarWord(word: String) {
    #expect(Suggestions.nearest(to: word, in: ["build", "debounce", "restart", "watch"]) == nil)
  }

  @Test(
    "edit distance counts an adjacent transposition as one edit",
    arguments: [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("abc", "abc", 0), ("abc", "acb", 1), ("kitten", "sitting", 3)])
  func editDistance(a: String, b: String, expected: Int) {
    #expect(Suggestions.editDistance(a, b) == expected)
    #expect(Suggestions.editDistance(b, a) == expected)
  }

  @Test("the hint says `did you mean` and lists the known words sorted")
  func hintText() {
    #expect(
      Suggestions.hint(for: "debounse", known: ["watch", "debounce", "build"])
        == "did you mean 'debounce'? Known: build, debounce, watch")
    #expect(Suggestions.hint(for: "deploy", known: ["watch", "build"]) == "Known: build, watch")
  }
}
