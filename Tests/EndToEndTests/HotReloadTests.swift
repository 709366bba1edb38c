import Foundation
import PipelineCore
import Testing

/// The promise of the product, end to end: save a file, the app restarts with the new code;
/// a broken build leaves the running app alone; a fix recovers.
@Suite(.serialized)
struct HotReloadTests {
  @Test func aChangeRestartsTheAppWithTheNewContent() async throws {
    let project = try AppFixture.make(message: "v1")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")

    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "✓"), "a cycle summary line: \(run.transcript)")

    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    let log = (project.read("tmp/lifecycle.log") ?? "").split(separator: "\n")
    let batches = run.events("changes").map { $0["message"] as? String ?? "" }
    // One instance at a time: every start is followed by its stop before the next start.
    #expect(log.count % 2 == 0, "\(log)")
    for (index, line) in log.enumerated() {
      #expect(line.hasPrefix(index % 2 == 0 ? "start" : "stop"), "instances overlapped: \(log)")
    }
    #expect(log.suffix(2) == ["start v2", "stop v2"], "the last instance ran the new content: \(log)")
    #expect(log.filter { $0 == "start v2" }.count == 1, "one restart for one save: \(log), batches: \(batches)")
  }

  @Test func aFailingBuildLeavesTheOldAppRunningAndAFixRecovers() async throws {
    let project = try AppFixture.make(message: "v1")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let appPID = try #require(Int32(project.read("tmp/app.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))

    try project.write("src/message.txt", "broken v2")
    #expect(await run.waitForLine(containing: "syntax error in src/message.txt"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "stage 'build' (sh build.sh) exited with status 1"), "\(run.transcript)")
    #expect(processExists(appPID), "the old app must keep running after a failed build")
    #expect(run.output.filter { $0.contains("app started") }.count == 1)

    try project.write("src/message.txt", "v3")
    #expect(await run.waitForLine(containing: "app started: v3"), "\(run.transcript)")
    #expect(!processExists(appPID))
    #expect(await run.interrupt() == .exited(0))
  }

  /// `pipeline`'s folder in TMPDIR (its changed-files lists) removed while it runs — by a
  /// cleaner of /tmp, or `rm -rf /tmp/pipeline-*` after a crash — is made again: before, every
  /// later build and restart failed, and the app stayed down.
  @Test func itsTemporaryFolderRemovedWhileRunningIsMadeAgain() async throws {
    let project = try AppFixture.make(message: "v1")
    try FileManager.default.createDirectory(atPath: project.path("tmp/tmpdir"), withIntermediateDirectories: true)
    let run = try PipelineRun(["run"], in: project.root, environment: ["TMPDIR": project.path("tmp/tmpdir")])
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let folder = project.path("tmp/tmpdir/pipeline-\(run.process.pid)")
    #expect(FileManager.default.fileExists(atPath: folder))
    try FileManager.default.removeItem(atPath: folder)

    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("changed-files list") }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func burstOfSavesGivesOneRestartFromTheFinalContent() async throws {
    let project = try AppFixture.make(message: "v1")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    for index in 2...10 { try project.write("src/message.txt", "v\(index)") }
    #expect(await run.waitForLine(containing: "app started: v10"), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    let starts = run.output.filter { $0.contains("app started") }
    #expect(starts.count == 2, "one startup run and one restart for the burst: \(starts)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test("sed -i restarts the app once, naming only the file; a sed that changes nothing and a scratch file made and removed start nothing")
  func temporaryFilesAreNoChanges() async throws {
    let project = try AppFixture.make(message: "v1")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 150ms
        - stage: filter
        - stage: build
          run: sh build.sh
        - stage: restart
          run: sh app.sh
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")

    // sed writes a temporary file (sedXXXXXX) beside the file and renames it over the file.
    #expect(try shell("sed -i s/v1/v2/ src/message.txt", in: project.root) == 0)
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    let cycles = run.events("cycle-started").map { $0["message"] as? String ?? "" }
    #expect(cycles.last == "1 change: src/message.txt (modified)", "\(cycles)")

    #expect(try shell("sed -i s/zzz/yyy/ src/message.txt; echo x > src/scratch.txt; rm src/scratch.txt", in: project.root) == 0)
    try await Task.sleep(for: .milliseconds(800))
    #expect(run.events("cycle-started").count == 2, "nothing changed, yet a cycle ran: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
