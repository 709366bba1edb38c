import Foundation
import PipelineCore
import Testing

/// `pipeline run` reloads its pipeline when the file changes: the running pipeline stops (its
/// app with it, gracefully), the new one starts; a file that does not load is reported where
/// it is wrong, and the running pipeline and its app go on.
@Suite(.serialized)
struct PipelineReloadTests {
  /// The fixture's pipeline, with the app's start line prefixed by `tag` (`sh app.sh TAG`).
  static func pipeline(tag: String, watchKeys: String = "") -> String {
    AppFixture.pipeline().replacingOccurrences(of: "run: sh app.sh", with: "run: sh app.sh \(tag)")
      .replacingOccurrences(of: "paths: [src]", with: "paths: [src]\n" + watchKeys)
  }

  /// The fixture's app, saying its first argument in its start line.
  static let taggedApp = AppFixture.app.replacingOccurrences(
    of: "echo \"app started: $message\"", with: "echo \"app started: $message ($1)\"")

  @Test("saving a changed pipeline file, outside the watched folder, restarts the app under the new pipeline, one instance at a time")
  func aChangedPipelineFileReloads() async throws {
    let project = try AppFixture.make(message: "v1", app: Self.taggedApp)
    try project.write("pipeline.yaml", Self.pipeline(tag: "first"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1 (first)"), "\(run.transcript)")
    let firstPID = try #require(project.pid("tmp/app.pid"))

    try project.write("pipeline.yaml", Self.pipeline(tag: "second"))
    #expect(await run.waitForLine(containing: "pipeline.yaml changed: stopping the running pipeline to start the new one"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "app started: v1 (second)"), "\(run.transcript)")
    #expect(!processExists(firstPID), "the first app was stopped")
    #expect(run.output.filter { $0.contains("pipeline from pipeline.yaml") }.count == 2, "\(run.transcript)")

    // The new pipeline watches and rebuilds as the old one did.
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2 (second)"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    let log = project.lines("tmp/lifecycle.log")
    for (index, line) in log.enumerated() {
      #expect(line.hasPrefix(index % 2 == 0 ? "start" : "stop"), "instances overlapped: \(log)")
    }
    #expect(log == ["start v1", "stop v1", "start v1", "stop v1", "start v2", "stop v2"], "\(log)")
    #expect(run.events("pipeline-reloading").count == 1, "\(run.transcript)")
    // Seen by pipeline run's own watch of the file's folder, not by the watch stage (src only).
    #expect(run.events("pipeline-file-changed").contains { $0["stage"] as? String == "pipeline" }, "\(run.events)")
  }

  @Test("a pipeline file saved with an error is reported with its place, the app runs on, and saving it unchanged again says so")
  func aBrokenPipelineFileKeepsTheRunningPipeline() async throws {
    let project = try AppFixture.make(message: "v1", app: Self.taggedApp)
    let good = Self.pipeline(tag: "first")
    try project.write("pipeline.yaml", good)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1 (first)"), "\(run.transcript)")
    let pid = try #require(project.pid("tmp/app.pid"))

    try project.write("pipeline.yaml", good.replacingOccurrences(of: "kill_after: 2s", with: "kill_after: 2 seconds"))
    #expect(await run.waitForLine(containing: "pipeline.yaml changed, and the new pipeline cannot be used; the running pipeline goes on"), "\(run.transcript)")
    // Line 11 is `    kill_after: 2 seconds`; column 17 its value.
    #expect(run.output.contains { $0.hasPrefix("pipeline.yaml:11:17: error: expected a duration") }, "\(run.transcript)")

    // The running pipeline still works, with the old file's pipeline.
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2 (first)"), "\(run.transcript)")
    let rebuiltPID = try #require(project.pid("tmp/app.pid"))
    #expect(rebuiltPID != pid)

    try project.write("pipeline.yaml", good)
    #expect(await run.waitForLine(containing: "pipeline.yaml is the pipeline that runs again: nothing to reload"), "\(run.transcript)")
    #expect(processExists(rebuiltPID), "the app was left alone")
    #expect(run.events("pipeline-reloading").count == 1, "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("▶") && $0.contains("pipeline.yaml") }, "no cycle for the pipeline file: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test("after a reload the app is started even with initial: false, and a stop signal then ends the run with no process left")
  func aReloadStartsTheAppEvenWithoutTheInitialBatch() async throws {
    let project = try AppFixture.make(message: "v1", app: Self.taggedApp)
    try project.write("pipeline.yaml", Self.pipeline(tag: "first", watchKeys: "    initial: false"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "watching src"), "\(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2 (first)"), "\(run.transcript)")

    try project.write("pipeline.yaml", Self.pipeline(tag: "second", watchKeys: "    initial: false"))
    #expect(await run.waitForLine(containing: "app started: v2 (second)"), "\(run.transcript)")
    let pid = try #require(project.pid("tmp/app.pid"))
    let child = try #require(project.pid("tmp/child.pid"))
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(!processExists(pid) && !processExists(child), "no process outlives pipeline")
  }

  @Test("a pipeline file saved while a stop signal is being handled starts no new pipeline: the run ends")
  func noReloadOnceAStopSignalCame() async throws {
    // An app that takes a second to shut down, so the save falls in the stop.
    let slowToStop = Self.taggedApp.replacingOccurrences(
      of: "exit 0' TERM INT", with: "sleep 1; exit 0' TERM INT")
    let project = try AppFixture.make(message: "v1", app: slowToStop)
    try project.write("pipeline.yaml", Self.pipeline(tag: "first"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1 (first)"), "\(run.transcript)")

    kill(run.process.commandPID, SIGINT)
    #expect(await run.waitForLine(containing: "stopping (SIGINT)"), "\(run.transcript)")
    try project.write("pipeline.yaml", Self.pipeline(tag: "second"))
    #expect(await run.exitStatus() == .exited(0), "\(run.transcript)")
    #expect(!run.transcript.contains("stopping the running pipeline to start the new one"), "\(run.transcript)")
    #expect(!run.transcript.contains("(second)"), "\(run.transcript)")
    #expect(project.lines("tmp/lifecycle.log") == ["start v1", "stop v1"], "\(run.transcript)")
  }

  @Test("a reloaded pipeline that breaks at its start (its socket taken) gives way to the previous one, and the next save reloads")
  func aReloadedPipelineThatCannotStartGivesWayToThePreviousOne() async throws {
    let project = try AppFixture.make(message: "v1", app: Self.taggedApp)
    try project.write("pipeline.yaml", Self.pipeline(tag: "first"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1 (first)"), "\(run.transcript)")

    let taken = try Loopback.listen()
    defer { close(taken.fd) }
    try project.write("pipeline.yaml", Self.pipeline(tag: "second") + "    socket: \(taken.port)\n")
    #expect(await run.waitForLine(containing: "cannot listen on \(taken.port)"), "\(run.transcript)")
    #expect(
      await run.waitForLine(containing: "the new pipeline broke before its first cycle ended: the previous one starts again"),
      "\(run.transcript)")
    #expect(await run.waitForLine(containing: "app started: v1 (first)", count: 2), "\(run.transcript)")
    #expect(run.process.status == nil, "pipeline run goes on: \(run.transcript)")

    try project.write("pipeline.yaml", Self.pipeline(tag: "third"))
    #expect(await run.waitForLine(containing: "app started: v1 (third)"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}
