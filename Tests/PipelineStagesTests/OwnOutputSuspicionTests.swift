@testable import PipelineStages
import Testing

@Suite struct OwnOutputSuspicionTests {
  /// Cycles ran from 100 to 200 and from 300 to 400.
  private let duringACycle: (Int) -> Bool = { (100...200).contains($0) || (300...400).contains($0) }

  @Test func aFileChangedDuringTwoCyclesAndNeverBetweenIsNamedOnce() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("out/app.js", 150)], isDuringACycle: duringACycle).isEmpty)
    #expect(suspicion.observe([("src/app.ts", 250)], isDuringACycle: duringACycle).isEmpty)
    #expect(suspicion.observe([("out/app.js", 350), ("out/app.js.map", 350)], isDuringACycle: duringACycle) == ["out/app.js"])
    #expect(suspicion.hasWarned)
    #expect(suspicion.observe([("out/app.js.map", 360)], isDuringACycle: duringACycle).isEmpty, "the warning is given once")
  }

  /// Someone who saves while slow builds run: the file was also saved while the pipeline was
  /// idle, so it is theirs.
  @Test func aFileAlsoChangedBetweenCyclesIsNeverSuspected() {
    var suspicion = OwnOutputSuspicion()
    #expect(suspicion.observe([("main.go", 250)], isDuringACycle: duringACycle).isEmpty)
    #expect(suspicion.observe([("main.go", 150)], isDuringACycle: duringACycle).isEmpty)
    #expect(suspicion.observe([("main.go", 350)], isDuringACycle: duringACycle).isEmpty)
    #expect(suspicion.observe([("main.go", 380)], isDuringACycle: duringACycle).isEmpty)
    #expect(!suspicion.hasWarned)
  }

  @Test func theWarningNamesTheFilesAndWhatToExclude() {
    let inFolders = OwnOutputSuspicion.warning(for: ["bin/app", "dist/a.js", "dist/b.js", "dist/c.js"])
    #expect(inFolders.hasPrefix("bin/app, dist/a.js, dist/b.js and 1 more changed while the pipeline ran, twice"))
    #expect(inFolders.contains("add exclude_dirs: [bin, dist] to the filter stage"))
    let atTheRoot = OwnOutputSuspicion.warning(for: ["app"])
    #expect(atTheRoot.contains("if a command of the pipeline writes it, every save runs the pipeline twice"))
    #expect(atTheRoot.contains(#"add exclude: ["app"] to the filter stage, or list it in .gitignore"#))
  }
}
