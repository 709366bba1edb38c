import Foundation
import Testing

/// `stage: external` running a Swift stage served with `ExternalStageServer` (WritingAStage.md,
/// Way 2): `served-stage-fixture`, built next to `pipeline`, whose stage throws or fails on the
/// files that ask for it.
@Suite struct ExternalServedStageTests {
  static var fixture: String {
    (PipelineRun.binary as NSString).deletingLastPathComponent + "/served-stage-fixture"
  }

  static func project(_ name: String) throws -> TemporaryProject {
    let project = try TemporaryProject(name)
    try project.write("in/.keep", "")
    try project.write("pipeline.yaml", """
      version: 1
      stages:
        - stage: watch
          paths: [in]
        - stage: debounce
          window: 50ms
        - stage: external
          name: check
          run: [\(fixture)]
          timeout: 10s
        - stage: run
          name: after
          run: echo "passed $PIPELINE_CHANGED_FILES"
      """)
    return project
  }

  func failures(_ run: PipelineRun) -> [[String: Any]] {
    run.events("stage-failed").filter { $0["stage"] as? String == "check" }
  }

  @Test func aServedStageThatThrowsIsReportedAtOnceAndStartedAgain() async throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.fixture), "swift build did not build \(Self.fixture)")
    let project = try Self.project("served-throws")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[check] handled"), "the startup batch was not handled:\n\(run.transcript)")

    try project.replace("in/a.txt", "throw\n")
    // Reported while the program runs on, not when its input closes at the end.
    #expect(await run.waitUntil { failures(run).count == 1 }, "the thrown error was not reported:\n\(run.transcript)")
    let message = failures(run).first?["message"] as? String ?? ""
    #expect(
      message.contains("stage 'check' (external: \(Self.fixture)) reported an error: the stage (content_check) threw: in/a.txt asked to throw; it is started again for the next batch"),
      "\(message)")
    #expect(await run.waitForLine(containing: "✗ stage 'check'"), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("nothing ran") }, "\(run.transcript)")

    // Started again: the fixed file passes (the failed batch is checked again with it).
    try project.replace("in/a.txt", "fine\n")
    #expect(await run.waitForLine(containing: "passed in/a.txt"), "not started again after the throw:\n\(run.transcript)")
    #expect(failures(run).count == 1, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  @Test func aBatchTheServedStageFailedIsCheckedAgainWithTheNextOne() async throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.fixture), "swift build did not build \(Self.fixture)")
    let project = try Self.project("served-fails")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[check] handled"), "\(run.transcript)")

    try project.replace("in/bad.txt", "fail\n")
    #expect(await run.waitUntil { failures(run).count == 1 }, "\(run.transcript)")

    // Another file's save: bad.txt, still broken, comes along and fails the batch again.
    try project.replace("in/other.txt", "ok\n")
    #expect(await run.waitUntil { failures(run).count == 2 }, "the next batch went on without bad.txt:\n\(run.transcript)")
    #expect(failures(run).last?["paths"] as? [String] == ["in/bad.txt", "in/other.txt"], "\(failures(run).last ?? [:])")
    #expect(!run.output.contains { $0.contains("passed in/other.txt") }, "\(run.transcript)")

    try project.replace("in/bad.txt", "fixed\n")
    #expect(await run.waitForLine(containing: "[check] handled in/bad.txt in/other.txt"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "passed in/bad.txt"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}
