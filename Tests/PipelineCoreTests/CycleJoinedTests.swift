import Testing

@testable import PipelineCore

/// Changes saved while a cycle runs join it: each is shown once (`▶ + 1 change: …`), so every
/// change that starts work appears on the console, and a batch only moving on from one action
/// to the next is not shown again.
struct CycleJoinedTests {
  let recorder = EventRecorder()
  let reporter: CycleReporter
  let clock = ContinuousClock()

  init() { reporter = CycleReporter(forward: recorder) }

  func batch(_ paths: String..., kind: ChangeKind = .modified, at instant: ContinuousClock.Instant) -> Batch {
    Batch(paths.map { Change(path: $0, kind: kind) }, detectedAt: instant)
  }

  var shown: [String] {
    recorder.events.filter { $0.kind == .cycleStarted || $0.kind == .cycleJoined }
      .map { "\($0.kind.rawValue) \($0.message ?? "")" }
  }

  @Test func changesSavedDuringACycleAreShownOnceEachAsTheyJoin() {
    let first = clock.now
    reporter.batchReachesActions(batch("a.go", at: first))
    // The build passes it on to the tests: the same changes, not news.
    reporter.batchReachesActions(batch("a.go", at: first), fromOutside: false)
    let second = first.advanced(by: .milliseconds(300))
    reporter.batchReachesActions(batch("b.go", kind: .created, at: second))
    // The same batch by a second way (two filters after the debounce), with one more path.
    reporter.batchReachesActions(batch("b.go", "c.md", kind: .created, at: second))
    // a.go saved again: a new change of a path already shown.
    reporter.batchReachesActions(batch("a.go", at: second.advanced(by: .milliseconds(200))))
    #expect(
      shown == [
        "cycle-started 1 change: a.go (modified)",
        "cycle-joined 1 change: b.go (created)",
        "cycle-joined 1 change: c.md (created)",
        "cycle-joined 1 change: a.go (modified)",
      ])
  }

  @Test func theNextCycleShowsAPathAgain() {
    let first = clock.now
    reporter.batchReachesActions(batch("a.go", at: first))
    reporter.pipelineIdle()
    reporter.batchReachesActions(batch("a.go", at: first))
    #expect(shown == ["cycle-started 1 change: a.go (modified)", "cycle-started 1 change: a.go (modified)"])
  }

  @Test func aRescanDuringACycleIsShown() {
    reporter.batchReachesActions(batch("a.go", at: clock.now))
    reporter.batchReachesActions(Batch([], isRescan: true))
    #expect(shown == ["cycle-started 1 change: a.go (modified)", "cycle-joined rescan"])
  }

  @Test func theConsoleShowsAJoinedBatchWithAPlus() {
    let renderer = ConsoleRenderer(terminal: TerminalWriter(usesColor: false))
    let line = renderer.render(Event(kind: .cycleJoined, stage: "pipeline", message: "1 change: b.go (created)"))
    #expect(line?.line == "▶ + 1 change: b.go (created)")
  }
}
