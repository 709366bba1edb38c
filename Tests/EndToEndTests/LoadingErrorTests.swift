import Foundation
import PipelineCore
import Testing

/// A broken pipeline file is reported as FILE:LINE:COL with a hint, and nothing runs.
@Suite(.serialized)
struct LoadingErrorTests {
  @Test func anUnknownStageIsReportedWithItsLocationAndASuggestion() async throws {
    let project = try TemporaryProject("bad")
    try project.write("pipeline.yaml", "stages:\n  - stage: watch\n  - stage: debounse\n    window: 50ms\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.exitStatus() == .exited(2))
    #expect(run.output.contains("pipeline.yaml:3:12: error: unknown stage 'debounse'"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("help: did you mean 'debounce'?") }, "\(run.transcript)")
  }

  /// No file and no project: the error says what was looked for, and no `pipeline.yaml: 1
  /// error` line names a file that is not there.
  @Test func validateWithNothingHereCountsNoErrorsOfAMissingFile() async throws {
    let project = try TemporaryProject("nothing")
    try project.write("notes.txt", "nothing to build\n")
    for arguments in [["validate"], ["validate", "nosuch.yaml"]] {
      let run = try PipelineRun(arguments, in: project.root)
      #expect(await run.exitStatus() == .exited(2), "\(run.transcript)")
      #expect(run.output.contains { $0.hasPrefix("error: ") }, "\(run.transcript)")
      #expect(!run.output.contains { $0.hasSuffix(" error") || $0.hasSuffix(" errors") }, "\(run.transcript)")
    }
  }

  @Test func validateReportsEveryErrorAndExitsNonZero() async throws {
    let project = try TemporaryProject("bad")
    try project.write(
      "dev.yaml",
      """
      stages:
        - stage: watch
        - stage: debounce
          window: soon
        - stage: restart
          run: ./app
          kill_afer: 1s
      """)
    let run = try PipelineRun(["validate", "dev.yaml"], in: project.root)
    #expect(await run.exitStatus() == .exited(2))
    #expect(run.output.contains { $0.hasPrefix("dev.yaml:4:13: error: expected a duration") }, "\(run.transcript)")
    #expect(run.output.contains("dev.yaml:7:5: error: unknown key 'kill_afer' for stage 'restart'"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("did you mean 'kill_after'?") }, "\(run.transcript)")
  }

  /// What `run` would stop on when it makes the stages (a watch folder that is not there)
  /// is reported by `validate` too, every such problem at once, with its place.
  @Test func validateReportsAWatchFolderThatDoesNotExist() async throws {
    let project = try TemporaryProject("typo")
    try project.write("src/main.go", "package main\n")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n    paths: [scr]\n  - stage: sync\n    from: src\n    target: src/copy\n")
    let run = try PipelineRun(["validate"], in: project.root)
    #expect(await run.exitStatus() == .exited(2))
    #expect(run.output.contains { $0.hasPrefix("pipeline.yaml:3:12: error: watch path 'scr' is not a folder") }, "\(run.transcript)")
    #expect(run.output.contains { $0.hasPrefix("pipeline.yaml:6:13: error: stage 'sync': 'target'") }, "\(run.transcript)")
    #expect(run.output.last == "pipeline.yaml: 2 errors", "\(run.transcript)")
  }

  /// A named file that is not there (without a name, `run` looks for a project instead: see
  /// ZeroConfigurationTests).
  /// A pipeline that loads but would leave a synced copy unformatted: a warning with the
  /// place, and the fix; the file is still valid.
  @Test func validateWarnsAboutASyncBesideAFormat() async throws {
    let project = try TemporaryProject("advice")
    try project.write("src/.keep", "")
    let stages = """
      stages:
        - stage: watch
          paths: [src]
        - stage: format
          run: [cat, "{files}"]
        - stage: sync
          after: [AFTER]
          from: src
          target: out
      """
    try project.write("pipeline.yaml", stages.replacingOccurrences(of: "AFTER", with: "watch"))
    let beside = try PipelineRun(["validate"], in: project.root)
    #expect(await beside.exitStatus() == .exited(0))
    #expect(
      beside.output.contains("pipeline.yaml:6:5: warning: stage 'sync' copies files beside 'format', which rewrites them: it may copy a file before it is rewritten, and the rewrite starts no cycle, so the copy would stay as it was"),
      "\(beside.transcript)")
    #expect(beside.output.contains { $0.contains("help: add `after: [format]` to 'sync'") }, "\(beside.transcript)")

    try project.write("pipeline.yaml", stages.replacingOccurrences(of: "AFTER", with: "format"))
    let after = try PipelineRun(["validate"], in: project.root)
    #expect(await after.exitStatus() == .exited(0))
    #expect(!after.output.contains { $0.contains("warning") }, "\(after.transcript)")
  }

  /// A sync whose `from` lies outside the watched folders never sees a change there, and one
  /// whose `from` does not exist yet mirrors nothing until it is made: warnings at `validate`
  /// and `run`, at the `from:` line.
  @Test func aSyncFromOutsideTheWatchedFoldersOrMissingIsWarnedAbout() async throws {
    let project = try TemporaryProject("unwatched-from")
    try project.write("src/.keep", "")
    try project.write("pipeline.yaml", """
      stages:
        - stage: watch
          paths: [src]
        - stage: sync
          from: assets
          target: out/assets
        - stage: sync
          name: later
          from: src/generated
          target: out/generated
      """)
    let validate = try PipelineRun(["validate"], in: project.root)
    #expect(await validate.exitStatus() == .exited(0))
    #expect(
      validate.output.contains(
        "pipeline.yaml:5:11: warning: stage 'sync': 'from' (assets, \(project.root)/assets) is outside the watched folders ('src'): no change there reaches the stage"),
      "\(validate.transcript)")
    #expect(validate.output.contains { $0.contains("help: watch that folder too (add it to `paths` of the watch stage)") })
    #expect(!validate.output.contains { $0.contains("'later'") && $0.contains("outside") }, "src/generated lies in src: \(validate.transcript)")
    let missing = "pipeline.yaml:9:11: warning: stage 'later': 'from' (src/generated, \(project.root)/src/generated) is not a folder: nothing is mirrored until it is made"
    #expect(validate.output.contains(missing), "\(validate.transcript)")

    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: missing), "\(run.transcript)")
    try project.write("src/generated/a.txt", "made by a generator\n")
    #expect(await run.waitUntil { project.read("out/generated/a.txt") == "made by a generator\n" }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// A `workdir` that is not a folder: the command cannot start, said when the pipeline
  /// loads, at the key, before any build.
  @Test func aMissingWorkdirIsWarnedAboutAtItsLine() async throws {
    let project = try TemporaryProject("missing-workdir")
    try project.write("src/.keep", "")
    try project.write("pipeline.yaml", """
      stages:
        - stage: watch
          paths: [src]
        - stage: build
          run: "true"
          workdir: sevrer
      """)
    let validate = try PipelineRun(["validate"], in: project.root)
    #expect(await validate.exitStatus() == .exited(0))
    #expect(
      validate.output.contains(
        "pipeline.yaml:6:14: warning: stage 'build': 'workdir' (sevrer, \(project.root)/sevrer) is not a folder: the command cannot start until it is made"),
      "\(validate.transcript)")
  }

  @Test func aMissingFileSaysWhatToDo() async throws {
    let project = try TemporaryProject("empty")
    let run = try PipelineRun(["run", "pipeline.yaml"], in: project.root)
    #expect(await run.exitStatus() == .exited(2))
    #expect(run.output.first == "error: no pipeline file at pipeline.yaml", "\(run.transcript)")
  }
}
