import Testing

@testable import PipelineCore

/// The one line that closes a cycle: what ran, how long, and whether it failed.
struct CycleReporterTests {
  private func finish(_ events: [Event]) -> Event? {
    let recorder = EventRecorder()
    let reporter = CycleReporter(forward: recorder)
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

  @Test("a run stopped for a newer change and run again is listed once, as the run that finished")
  func stoppedThenRunAgain() throws {
    let finished = try #require(
      finish([
        Event(kind: .stageCancelled, stage: "build", message: "stopped"),
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
    #expect(finished.message?.contains("'test' failed") == true)
  }
}
