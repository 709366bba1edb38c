import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// Stopping `pipeline` stops everything it started, children of the app included.
@Suite(.serialized)
struct ShutdownTests {
  @Test(arguments: [SIGINT, SIGTERM])
  func aSignalStopsEverythingAndLeavesNoProcessBehind(signal: Int32) async throws {
    let project = try AppFixture.make()
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let app = try #require(Int32(project.read("tmp/app.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    let child = try #require(Int32(project.read("tmp/child.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    #expect(processExists(app) && processExists(child))

    #expect(await run.interrupt(signal) == .exited(0), "\(run.transcript)")
    #expect(!processExists(app), "the app outlived pipeline")
    #expect(!processExists(child), "the app's child outlived pipeline")
    #expect(
      project.read("tmp/lifecycle.log") == "start v1\nstop v1\n",
      "the app got its graceful signal; events: \(run.events.map { "\($0["event"] ?? "") \($0["stage"] ?? ""): \($0["message"] ?? "")" })")
  }

  @Test("pipeline reaps its keeper before it exits: no exited keeper is left behind for PID 1")
  func theKeeperIsReapedBeforeExit() async throws {
    let project = try AppFixture.make()
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let keeper = try #require(KeeperModesTests.children(of: run.process.pid).first?.pid, "no keeper under pipeline")

    #expect(await run.interrupt(SIGTERM) == .exited(0), "\(run.transcript)")
    #expect(!FileManager.default.fileExists(atPath: "/proc/\(keeper)"), "keeper \(keeper) outlived pipeline, maybe as a zombie")
  }

  @Test("output redirected to a file in the watched folder is not a change (no endless cycles)")
  func outputRedirectedIntoTheTree() async throws {
    let project = try TemporaryProject("redirected")
    try project.write("pipeline.yaml", "stages:\n  - stage: watch\n  - stage: build\n    run: echo built\n")
    let command = "exec '\(PipelineRun.binary)' run > run.log 2>&1"
    let run = try PipelineRun(["-c", command], in: project.root, executable: "/bin/sh")
    let log = { project.read("run.log") ?? "" }
    #expect(await run.waitUntil { log().contains("watching") }, "\(log())")
    try await Task.sleep(for: .milliseconds(800))
    #expect(!log().contains("run.log"), "its own output was taken for a change: \(log())")
    #expect(log().components(separatedBy: "[build] built").count == 2, "one build, at startup: \(log())")
    #expect(await run.interrupt() == .exited(0), "\(log())")
  }

  @Test("output piped to tee, which writes a file in the watched folder, is not a change (no endless cycles)")
  func outputTeedIntoTheTree() async throws {
    let project = try TemporaryProject("teed")
    try project.write("pipeline.yaml", "stages:\n  - stage: watch\n  - stage: build\n    run: echo built\n")
    // bash's process substitution: `pipeline` keeps the run's pid, tee runs in its group.
    let command = "exec '\(PipelineRun.binary)' run > >(exec tee run.log) 2>&1"
    let run = try PipelineRun(["-c", command], in: project.root, executable: "/bin/bash")
    let log = { project.read("run.log") ?? "" }
    #expect(await run.waitUntil { log().contains("watching") }, "\(log())")
    try project.write("saved.txt", "x")
    #expect(await run.waitUntil { log().contains("saved.txt") }, "\(log())")
    try await Task.sleep(for: .milliseconds(800))
    #expect(!log().contains("run.log"), "its own output was taken for a change: \(log())")
    #expect(log().components(separatedBy: "[build] built").count == 3, "one build at startup, one for the save: \(log())")
    #expect(await run.interrupt() == .exited(0), "\(log())")
  }

  @Test func anAppThatIgnoresTheSignalIsKilledAfterKillAfter() async throws {
    let stubborn = """
      trap '' TERM INT
      echo $$ > tmp/app.pid
      echo "app started: stubborn"
      while :; do sleep 0.1; done
      """
    let project = try AppFixture.make(app: stubborn)
    try project.write("pipeline.yaml", AppFixture.pipeline().replacingOccurrences(of: "kill_after: 2s", with: "kill_after: 300ms"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: stubborn"), "\(run.transcript)")
    let app = try #require(Int32(project.read("tmp/app.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    let clock = ContinuousClock()
    let started = clock.now
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(started.duration(to: clock.now) >= .milliseconds(300))
    #expect(!processExists(app))
  }

  @Test("an app cut off by SIGKILL after kill_after is a warning without -v, once each time, naming kill_after")
  func aShutdownCutShortBySIGKILLIsAWarning() async throws {
    let stubborn = """
      trap '' TERM INT
      echo "app started: $(cat tmp/message.txt)"
      while :; do sleep 0.1; done
      """
    let project = try AppFixture.make(app: stubborn)
    try project.write("pipeline.yaml", AppFixture.pipeline().replacingOccurrences(of: "kill_after: 2s", with: "kill_after: 300ms"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let warning = "did not stop within kill_after (300ms) of SIGTERM and was killed with SIGKILL: its shutdown was cut short"
    #expect(!run.output.contains { $0.contains(warning) }, "no stop yet: \(run.transcript)")

    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(run.output.filter { $0.hasPrefix("warning: [restart] the app (pid ") && $0.contains(warning) }.count == 1, "\(run.transcript)")
    #expect(run.output.contains { $0.hasPrefix("  help: ") && $0.contains("raise kill_after") }, "\(run.transcript)")

    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(run.output.filter { $0.contains(warning) }.count == 2, "the stop at the end was cut short too: \(run.transcript)")
  }

  @Test("an app that stops within kill_after gives no warning")
  func aShutdownInTimeIsNoWarning() async throws {
    let project = try AppFixture.make()
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("kill_after") }, "\(run.transcript)")
  }

  @Test func aLongBuildIsStoppedOnSIGINT() async throws {
    let project = try AppFixture.make()
    try project.write("build.sh", "echo $$ > build.pid\necho building\nsleep 1000\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "building"), "\(run.transcript)")
    let build = try #require(Int32(project.read("build.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(!processExists(build))
  }
}
