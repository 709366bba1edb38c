import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct OwnOutputSuspicionTests {
  /// Times in milliseconds (with a fraction, as a file system with fine times stamps them):
  /// cycle 1's build ran from 100 to 200, cycle 2's from 300 to 400 and, stopped for newer
  /// changes, from 400 to 450; a run of cycle 3 goes on since 500.
  private static func writer(_ time: Int) -> CycleHistory.Writer {
    switch time / 1_000_000 {
    case 100...200: return .finishedRun(span(1, 100...200))
    case 300...400: return .finishedRun(span(2, 300...400))
    case 401...450: return .stoppedRun(span(3, 401...450))
    case 500...: return .undecided
    default: return .idle
    }
  }

  /// Run `number`, from and to these milliseconds.
  private static func span(_ number: Int, _ milliseconds: ClosedRange<Int>) -> CycleHistory.RunSpan {
    .init(number: number, time: milliseconds.lowerBound * 1_000_000...milliseconds.upperBound * 1_000_000)
  }

  private static func at(_ milliseconds: Int) -> Int { milliseconds * 1_000_000 + 1 }

  @Test func aFileWrittenByFinishedRunsInTwoCyclesAndNeverBetweenIsNamedOnce() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("out/app.js", Self.at(150))], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("out/app.js", Self.at(160))], writer: Self.writer).isEmpty, "the same cycle again")
    #expect(suspicion.observe([("src/app.ts", Self.at(250))], writer: Self.writer).isEmpty)
    #expect(
      suspicion.observe([("out/app.js", Self.at(350)), ("out/app.js.map", Self.at(350))], writer: Self.writer)
        == [.init(paths: ["out/app.js"], sharesAFolderWithSources: false)])
    #expect(suspicion.hasWarned)
    #expect(suspicion.observe([("out/app.js.map", Self.at(180))], writer: Self.writer).isEmpty, "once per run")
  }

  /// Someone who saves while slow builds run: each save stops the run it falls in, or the file
  /// was also saved while the pipeline was idle, so it is theirs.
  @Test func aPersonsSavesDuringRunsAreNotSuspected() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("main.go", Self.at(420))], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("main.go", Self.at(430))], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("other.go", Self.at(250))], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("other.go", Self.at(150))], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("other.go", Self.at(350))], writer: Self.writer).isEmpty)
    #expect(!suspicion.hasWarned)
  }

  @Test func aFileWrittenWhileARunGoesOnIsDecidedAtTheNextLook() {
    var suspicion = OwnOutputSuspicion()
    var finished = false
    let writer: (Int) -> CycleHistory.Writer = { time in
      time / 1_000_000 >= 500 ? (finished ? .finishedRun(Self.span(4, 500...600)) : .undecided) : Self.writer(time)
    }
    #expect(suspicion.observe([("out/app.js", Self.at(150))], writer: writer).isEmpty)
    #expect(suspicion.observe([("out/app.js", Self.at(550))], writer: writer).isEmpty)
    finished = true
    #expect(suspicion.observe([], writer: writer).map(\.paths) == [["out/app.js"]])
  }

  /// Whole seconds or milliseconds cannot be placed in a run of a few milliseconds.
  @Test func aFileWithACoarseTimeIsLeftOut() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("out/app.js", 150 * 1_000_000)], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("out/app.js", 350 * 1_000_000)], writer: Self.writer).isEmpty)
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
    #expect(suspicion.observe([("src/main.go", Self.at(250))], writer: Self.writer).isEmpty)
    #expect(suspicion.observe([("src/gen.go", Self.at(150))], writer: Self.writer).isEmpty)
    let findings = suspicion.observe([("src/gen.go", Self.at(350))], writer: Self.writer)
    #expect(findings == [.init(paths: ["src/gen.go"], sharesAFolderWithSources: true)])
    #expect(OwnOutputSuspicion.warning(for: findings[0]).contains(#"add exclude: ["src/gen.go"] to the filter stage"#))
  }

  // MARK: - Recognised: written at the same moment of three runs

  /// Runs of a build 1 s long, from 1 s, 3 s, 5 s, 7 s…: run `n` from `n * 2 - 1` s; `stopped`
  /// ones end 120 ms after `stopAt` (their start plus this), the time a change takes to stop it.
  private static func runs(stopped: Bool, stopAt: Int = 10) -> (Int) -> CycleHistory.Writer {
    { time in
      let milliseconds = time / 1_000_000
      let number = (milliseconds + 1_000) / 2_000
      let start = number * 2_000 - 1_000
      let end = stopped ? start + stopAt + 120 : start + 1_000
      guard number >= 1, (start...end).contains(milliseconds) else { return .idle }
      let span = Self.span(number, start...end)
      return stopped ? .stoppedRun(span) : .finishedRun(span)
    }
  }

  /// A build that writes a file 10 ms after it starts is stopped by its own write
  /// (`on_busy: restart`): no run ends, and no save is ever built.
  @Test func aFileWrittenAtTheSameMomentOfThreeStoppedRunsIsRecognised() {
    var suspicion = OwnOutputSuspicion()
    let writer = Self.runs(stopped: true)
    #expect(suspicion.observe([("stamp.txt", Self.at(1_010))], writer: writer).isEmpty)
    #expect(suspicion.observe([("stamp.txt", Self.at(3_012))], writer: writer).isEmpty)
    #expect(!suspicion.isRecognised("stamp.txt"))
    let findings = suspicion.observe([("stamp.txt", Self.at(5_009))], writer: writer)
    #expect(findings.map(\.paths) == [["stamp.txt"]])
    #expect(findings.first?.recognisedAt == .afterStart(10_333_334), "the mean of 10, 12 and 9 ms (and the test's 1 ns)")
    #expect(suspicion.isRecognised("stamp.txt"))
    #expect(!suspicion.isRecognised("src/main.go"))
    #expect(suspicion.observe([("stamp.txt", Self.at(7_010))], writer: writer).isEmpty, "named once")
  }

  /// Output written just before the build ends, by builds of different lengths.
  @Test func aFileWrittenAtTheSameMomentBeforeTheEndOfThreeFinishedRunsIsRecognised() {
    var suspicion = OwnOutputSuspicion()
    let writer: (Int) -> CycleHistory.Writer = { time in
      switch time / 1_000_000 {
      case 1_000...1_500: .finishedRun(Self.span(1, 1_000...1_500))
      case 3_000...3_900: .finishedRun(Self.span(2, 3_000...3_900))
      case 5_000...5_700: .finishedRun(Self.span(3, 5_000...5_700))
      default: .idle
      }
    }
    #expect(suspicion.observe([("bin/app", Self.at(1_495))], writer: writer).isEmpty)
    #expect(suspicion.observe([("bin/app", Self.at(3_897))], writer: writer).count == 1, "suspected")
    let findings = suspicion.observe([("bin/app", Self.at(5_696))], writer: writer)
    #expect(findings.map(\.paths) == [["bin/app"]])
    #expect(findings.first?.recognisedAt == .beforeEnd(3_999_999))
    #expect(OwnOutputSuspicion.warning(for: findings[0]).hasPrefix(
      "bin/app changed 3 ms before the end of each of 3 runs of a command, never while the pipeline was idle"))
  }

  /// Someone saving while a slow build runs stops it each time, at no particular moment.
  @Test func aPersonsSavesInThreeStoppedRunsAreNotRecognised() {
    var suspicion = OwnOutputSuspicion()
    let writer = Self.runs(stopped: true, stopAt: 900)
    for (second, after) in [(1, 300), (3, 820), (5, 550), (7, 140)] {
      #expect(suspicion.observe([("main.go", Self.at(second * 1_000 + after))], writer: writer).isEmpty)
    }
    #expect(!suspicion.isRecognised("main.go"))
  }

  /// A file also written while the pipeline was idle is someone's.
  @Test func aFileWrittenWhileIdleIsNotRecognised() {
    var suspicion = OwnOutputSuspicion()
    let writer = Self.runs(stopped: false)
    #expect(suspicion.observe([("notes.txt", Self.at(2_500))], writer: writer).isEmpty)
    for second in [1, 3, 5, 7] {
      _ = suspicion.observe([("notes.txt", Self.at(second * 1_000 + 100))], writer: writer)
    }
    #expect(!suspicion.isRecognised("notes.txt"))
  }

  @Test func theRecognitionSaysWhatIsDroppedFromNowOn() {
    let warning = OwnOutputSuspicion.warning(
      for: .init(paths: ["stamp.txt"], sharesAFolderWithSources: false, recognisedAt: .afterStart(1_520_000_000)))
    #expect(warning.hasPrefix("stamp.txt changed 1.5 s after the start of each of 3 runs of a command"))
    #expect(warning.contains("From now on, its changes made while a command runs are taken for the command's and start nothing"))
    #expect(warning.hasSuffix(#"add exclude: ["stamp.txt"] to the filter stage, or list it in .gitignore"#))
  }
}
