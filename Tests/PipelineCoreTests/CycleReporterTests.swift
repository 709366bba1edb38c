import Testing

@testable import PipelineCore

/// The one line that closes a cycle: what ran, how long, and whether it failed.
struct CycleReporterTests {
  private func finish(_ events: [Event], before: [Event] = []) -> Event? {
    let recorder = EventRecorder()
    let reporter = CycleReporter(forward: recorder)
    for event in before { reporter.emit(event) }
    reporter.batchReachesActions(Batch([Change(path: "main.go", kind: .modified)]))
    for event in events { reporter.emit(event) }
    reporter.pipelineIdle()
    return recorder.events.last { $0.kind == .cycleFinished }
  }

  @Test("a cycle whose only run was stopped (Ctrl-C during a build) says so, not 'nothing ran' with a check mark")
  func everyRunStopped() throws {
    let finished = try #require(finish([Event(kind: .stageCancelled, stage: "build", message: "stopped")]))
    #expect(finished.message?.hasPrefix("build stopped before finishing — ") == true, "\(finished)")
    #expect(finished.metadata["result"] == "stopped")
  }

  @Test("Ctrl-C during the tests, after the build finished: the cycle is stopped and names the tests")
  func stoppedAfterAFinishedRun() throws {
    let finished = try #require(
      finish([
        Event(kind: .stageSucceeded, stage: "build", message: "ok", metadata: ["duration": "0.311"]),
        Event(kind: .stageCancelled, stage: "test", message: "stopped", metadata: ["duration": "1.8", "reason": "stopping"]),
      ]))
    #expect(finished.message?.hasPrefix("build 311ms · test stopped before finishing — ") == true, "\(finished)")
    #expect(finished.metadata["result"] == "stopped")
  }

  @Test("a stage run several times in one cycle is one part with its count and total time")
  func repeatedRunsAreCounted() throws {
    let format = { (duration: String) in
      Event(kind: .stageSucceeded, stage: "format", message: "ok", metadata: ["duration": duration])
    }
    let finished = try #require(
      finish([
        format("0.003"), format("0.010"), format("0.005"),
        Event(kind: .stageSucceeded, stage: "build", message: "ok", metadata: ["duration": "0.758"]),
      ]))
    #expect(finished.message?.hasPrefix("format 18ms (3 runs) · build 758ms — ") == true, "\(finished)")
    #expect(finished.metadata["stages"]?.split(separator: ";").count == 4, "every run stays in the event")
  }

  @Test("a custom stage that does not say how long it took is named without a time, not with 0ms")
  func aRunWithoutADurationShowsNoTime() throws {
    let finished = try #require(
      finish([
        Event(kind: .stageSucceeded, stage: "build", message: "ok", metadata: ["duration": "0.2"]),
        Event(kind: .stageSucceeded, stage: "lint", message: "lint succeeded"),
      ]))
    #expect(finished.message?.hasPrefix("build 200ms · lint — ") == true, "\(finished)")
    #expect(finished.metadata["stages"] == "build=0.2;lint=", "\(finished)")
  }

  @Test("a run stopped for a newer change and run again is listed once, as the run that finished")
  func stoppedThenRunAgain() throws {
    let finished = try #require(
      finish([
        Event(kind: .stageCancelled, stage: "build", message: "stopped", metadata: ["reason": "newer-changes"]),
        Event(kind: .stageSucceeded, stage: "build", message: "ok", metadata: ["duration": "0.5"]),
      ]))
    #expect(finished.message?.hasPrefix("build 500ms — ") == true, "\(finished)")
    #expect(finished.metadata["result"] == "ok")
  }

  @Test("a failed run fails the cycle")
  func failed() throws {
    let finished = try #require(
      finish([Event(kind: .stageFailed, stage: "test", message: "exit 1", metadata: ["duration": "1"])]))
    #expect(finished.metadata["result"] == "failed")
    #expect(finished.message?.hasPrefix("exit 1; waiting for the next change — test 1s (failed) — ") == true, "\(finished)")
  }

  private static let appStarted = Event(kind: .appStarted, stage: "restart", message: "started", metadata: ["pid": "4242"])
  private static let buildFailed = Event(
    kind: .stageFailed, stage: "build", message: "stage 'build' (make) exited with status 2", metadata: ["duration": "0.1"])

  @Test("a failed cycle's line says what failed, its status, and that the app started before it is kept")
  func failedWithAppKept() throws {
    let finished = try #require(finish([Self.buildFailed], before: [Self.appStarted]))
    #expect(
      finished.message?.hasPrefix(
        "stage 'build' (make) exited with status 2; the running app (pid 4242) is kept; waiting for the next change — build 100ms (failed) — ")
        == true, "\(finished)")
  }

  @Test("an app that was stopped or exited is not said to be kept")
  func failedAfterTheAppStopped() throws {
    let stopped = Event(kind: .appStopped, stage: "restart", message: "stopped", metadata: ["pid": "4242"])
    let finished = try #require(finish([stopped, Self.buildFailed], before: [Self.appStarted]))
    #expect(finished.message?.contains("kept") == false, "\(finished)")
  }

  @Test("an app started in the failed cycle (a check after restart failed) is not said to be kept")
  func failedAfterARestart() throws {
    let finished = try #require(finish([Self.appStarted, Self.buildFailed]))
    #expect(finished.message?.contains("kept") == false, "\(finished)")
  }

  @Test("the same failure repeated in a cycle (queued runs that timed out) is said once, with a count")
  func repeatedFailure() throws {
    let timedOut = Event(
      kind: .stageFailed, stage: "build", message: "stage 'build' (sh build.sh) timed out after 2s and was stopped",
      metadata: ["duration": "2"])
    let finished = try #require(finish([timedOut, Self.buildFailed, timedOut, timedOut]))
    #expect(
      finished.message?.hasPrefix(
        "stage 'build' (sh build.sh) timed out after 2s and was stopped (3 times); stage 'build' (make) exited with status 2; waiting for the next change — ")
        == true, "\(finished)")
  }

  @Test("a failure with continue_on_error is not the cycle's failure")
  func continuedFailure() throws {
    let lint = Event(
      kind: .stageFailed, stage: "lint", message: "stage 'lint' (lint) exited with status 1; continuing (continue_on_error)",
      metadata: ["duration": "0.1", "continued": "true"])
    let finished = try #require(finish([lint]))
    #expect(finished.metadata["result"] == "ok")
    #expect(finished.message?.hasPrefix("lint 100ms (failed, continued) — ") == true, "\(finished)")
  }
}
