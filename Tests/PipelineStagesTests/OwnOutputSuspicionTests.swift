import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct OwnOutputSuspicionTests {
  /// Times in milliseconds (with a fraction, as a file system with fine times stamps them):
  /// cycle 1's build ran from 100 to 200, cycle 2's from 300 to 400 and, stopped for newer
  /// changes, from 400 to 450; a run of cycle 3 goes on since 500.
  private static func writer(_ time: Int) -> CycleHistory.Writer {
    switch time / 1_000_000 {
    case 100...200: return .finishedRun(run: 1)
    case 300...400: return .finishedRun(run: 2)
    case 401...450: return .otherwise
    case 500...: return .undecided
    default: return .idle
    }
  }

  private static func at(_ milliseconds: Int) -> Int { milliseconds * 1_000_000 + 1 }

  @Test func aFileWrittenByFinishedRunsInTwoCyclesAndNeverBetweenIsNamedOnce() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("out/app.js", Self.at(150))], writer: Self.writer) == nil)
    #expect(suspicion.observe([("out/app.js", Self.at(160))], writer: Self.writer) == nil, "the same cycle again")
    #expect(suspicion.observe([("src/app.ts", Self.at(250))], writer: Self.writer) == nil)
    #expect(
      suspicion.observe([("out/app.js", Self.at(350)), ("out/app.js.map", Self.at(350))], writer: Self.writer)
        == .init(paths: ["out/app.js"], sharesAFolderWithSources: false))
    #expect(suspicion.hasWarned)
    #expect(suspicion.observe([("out/app.js.map", Self.at(180))], writer: Self.writer) == nil, "once per run")
  }

  /// Someone who saves while slow builds run: each save stops the run it falls in, or the file
  /// was also saved while the pipeline was idle, so it is theirs.
  @Test func aPersonsSavesDuringRunsAreNotSuspected() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("main.go", Self.at(420))], writer: Self.writer) == nil)
    #expect(suspicion.observe([("main.go", Self.at(430))], writer: Self.writer) == nil)
    #expect(suspicion.observe([("other.go", Self.at(250))], writer: Self.writer) == nil)
    #expect(suspicion.observe([("other.go", Self.at(150))], writer: Self.writer) == nil)
    #expect(suspicion.observe([("other.go", Self.at(350))], writer: Self.writer) == nil)
    #expect(!suspicion.hasWarned)
  }

  @Test func aFileWrittenWhileARunGoesOnIsDecidedAtTheNextLook() {
    var suspicion = OwnOutputSuspicion()
    var finished = false
    let writer: (Int) -> CycleHistory.Writer = { time in
      time / 1_000_000 >= 500 ? (finished ? .finishedRun(run: 3) : .undecided) : Self.writer(time)
    }
    #expect(suspicion.observe([("out/app.js", Self.at(150))], writer: writer) == nil)
    #expect(suspicion.observe([("out/app.js", Self.at(550))], writer: writer) == nil)
    finished = true
    #expect(suspicion.observe([], writer: writer)?.paths == ["out/app.js"])
  }

  /// Whole seconds or milliseconds cannot be placed in a run of a few milliseconds.
  @Test func aFileWithACoarseTimeIsLeftOut() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("out/app.js", 150 * 1_000_000)], writer: Self.writer) == nil)
    #expect(suspicion.observe([("out/app.js", 350 * 1_000_000)], writer: Self.writer) == nil)
    #expect(!suspicion.hasWarned)
  }

  @Test func theWarningNamesTheFilesAndWhatToExclude() {
    let inFolders = OwnOutputSuspicion.warning(
      for: .init(paths: ["bin/app", "dist/a.js", "dist/b.js", "dist/c.js"], sharesAFolderWithSources: false))
    #expect(inFolders.hasPrefix("bin/app, dist/a.js, dist/b.js and 1 more changed during two runs of a command, never between runs"))
    #expect(inFolders.contains("add exclude_dirs: [bin, dist] to the filter stage, or list them in .gitignore"))
    let atTheRoot = OwnOutputSuspicion.warning(for: .init(paths: ["app"], sharesAFolderWithSources: false))
    #expect(atTheRoot.contains("if a command of the pipeline writes it, every save runs the pipeline twice"))
    #expect(atTheRoot.contains(#"add exclude: ["app"] to the filter stage, or list it in .gitignore"#))
  }

  /// A generator that writes next to the sources: excluding the folder would stop watching them.
  @Test func aFileNextToSourcesIsExcludedByItselfNotByItsFolder() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("src/main.go", Self.at(250))], writer: Self.writer) == nil)
    #expect(suspicion.observe([("src/gen.go", Self.at(150))], writer: Self.writer) == nil)
    let finding = suspicion.observe([("src/gen.go", Self.at(350))], writer: Self.writer)
    #expect(finding == .init(paths: ["src/gen.go"], sharesAFolderWithSources: true))
    #expect(OwnOutputSuspicion.warning(for: finding!).contains(#"add exclude: ["src/gen.go"] to the filter stage"#))
  }
}
