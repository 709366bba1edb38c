import FoundationEssentials
import Synchronization

/// Turns the flow of batches into cycles for people: a cycle starts when a batch reaches
/// the first action stage and ends when nothing is in flight any more; at the end it emits
/// ``Event/Kind/cycleFinished`` with how long each stage took.
///
/// A failed cycle's closing line is the one line that reports the failure: what failed and
/// how (the `stage-failed` message), whether the running app was kept, and the timings.
///
/// ```
/// ✓ build 412ms · restart 8ms — 431ms
/// ✗ stage 'build' (go build -o ./app .) exited with status 2; the running app (pid 4242) is kept; waiting for the next change — build 126ms (failed) — 131ms
/// ```
public final class CycleReporter: EventSink {
  private struct Cycle {
    var started: ContinuousClock.Instant
    /// Each stage's run: its name, how long it took (`nil` when its event does not say),
    /// and how it ended.
    var stages: [(name: String, duration: Double?, outcome: String)] = []
    /// The messages of the failures that stopped a batch, in order.
    var failures: [String] = []
    /// Pids of the app instances started during the cycle.
    var appsStarted: Set<String> = []
    /// The changes shown so far, each by its path and when its batch was seen: the same
    /// batch reaching the actions by two ways (two filters) is shown once.
    var announced: Set<AnnouncedChange> = []
  }
  private struct AnnouncedChange: Hashable {
    var path: String
    var detectedAt: ContinuousClock.Instant?
  }
  private struct State {
    var cycle: Cycle?
    /// Per restart stage, the pid of its running app instance.
    var runningApps: [String: String] = [:]
  }
  private let state = Mutex(State())
  private let clock = ContinuousClock()
  private let forward: any EventSink
  /// How the last cycle went, for the stages (see ``StageContext/cycles``).
  public let history = CycleHistory()

  /// - Parameter forward: where the cycle events go (the bus).
  public init(forward: any EventSink) { self.forward = forward }

  /// A batch is about to reach an action: opens a cycle unless one is open.
  ///
  /// - Parameter fromOutside: It comes from a source or a transform, not from another
  ///   action: new changes. Those that join an open cycle are announced
  ///   (``Event/Kind/cycleJoined``), so every change that starts work is shown.
  public func batchReachesActions(_ batch: Batch, fromOutside: Bool = true) {
    enum Arrival { case opened, joined(Batch), known }
    let arrival = state.withLock { state -> Arrival in
      guard var cycle = state.cycle else {
        var cycle = Cycle(started: clock.now)
        if fromOutside { Self.announce(batch.changes, of: batch, in: &cycle) }
        state.cycle = cycle
        // Under the lock: the end of the last cycle is recorded before this start.
        history.recordStart()
        return .opened
      }
      guard fromOutside else { return .known }
      // A rescan (everything may have changed) lists no paths: news whenever it comes.
      if batch.changes.isEmpty { return batch.isRescan ? .joined(batch) : .known }
      let news = batch.changes.filter {
        !cycle.announced.contains(AnnouncedChange(path: $0.path, detectedAt: batch.detectedAt))
      }
      guard !news.isEmpty else { return .known }
      Self.announce(news, of: batch, in: &cycle)
      state.cycle = cycle
      return .joined(Batch(news, isStartup: batch.isStartup, isRescan: batch.isRescan, detectedAt: batch.detectedAt))
    }
    switch arrival {
    case .opened:
      forward.emit(
        Event(kind: .cycleStarted, stage: "pipeline", message: batch.description, paths: batch.paths))
    case .joined(let news):
      forward.emit(Event(kind: .cycleJoined, stage: "pipeline", message: news.description, paths: news.paths))
    case .known: break
    }
  }

  private static func announce(_ changes: [Change], of batch: Batch, in cycle: inout Cycle) {
    for change in changes { cycle.announced.insert(AnnouncedChange(path: change.path, detectedAt: batch.detectedAt)) }
  }

  /// Records stage outcomes, and which app instances run.
  public func emit(_ event: Event) {
    let outcome: String
    switch event.kind {
    case .stageStarted:
      // Runs of commands only: not an app's restart, which a person's save does not stop.
      if event.metadata["command"] != nil { history.recordRunStart(stage: event.stage) }
      return
    case .stageSucceeded: outcome = "ok"
    case .stageFailed: outcome = event.metadata["continued"] == "true" ? "failed, continued" : "failed"
    case .stageCancelled:
      // Stopped for newer changes, the run is followed by another in the same cycle; stopped
      // for any other reason (the pipeline is stopping), it is what the cycle ends with.
      outcome = event.metadata["reason"] == "newer-changes" ? "superseded" : "stopped"
    case .appStarted:
      guard let pid = event.metadata["pid"] else { return }
      state.withLock { state in
        state.runningApps[event.stage] = pid
        state.cycle?.appsStarted.insert(pid)
      }
      return
    case .appStopped, .appExited:
      state.withLock { state in
        if state.runningApps[event.stage] == event.metadata["pid"] { state.runningApps[event.stage] = nil }
      }
      return
    default: return
    }
    history.recordRunEnd(stage: event.stage, finished: !Self.cutShort.contains(outcome))
    // A custom stage may not say how long it took: then no time is shown, rather than 0ms.
    let duration = event.metadata["duration"].flatMap(Double.init)
    state.withLock { state in
      state.cycle?.stages.append((event.stage, duration, outcome))
      if outcome == "failed" { state.cycle?.failures.append(event.message ?? "stage '\(event.stage)' failed") }
    }
  }

  /// Nothing is in flight: closes the open cycle, if any.
  public func pipelineIdle() {
    guard let (finished, runningApps) = state.withLock({ state -> (Cycle, [String: String])? in
      defer { state.cycle = nil }
      // Under the lock: a cycle that opens right after is recorded after this end.
      if let cycle = state.cycle { history.record(failed: !cycle.failures.isEmpty) }
      return state.cycle.map { ($0, state.runningApps) }
    }) else { return }
    let total = finished.started.duration(to: clock.now)
    let failed = !finished.failures.isEmpty
    let parts = Self.summaryParts(finished.stages.filter { !Self.cutShort.contains($0.outcome) })
    // A run cut short by the stop (Ctrl-C during the tests) is named after the runs that
    // finished before it; a run stopped for a newer change is followed by another.
    let stopped = finished.stages.filter { $0.outcome == "stopped" }.map(\.name)
    let wasStopped = !stopped.isEmpty
    var summaryParts = parts
    if wasStopped { summaryParts.append("\(Self.uniqued(stopped).joined(separator: " · ")) stopped before finishing") }
    let summary = summaryParts.isEmpty ? "nothing ran" : summaryParts.joined(separator: " · ")
    var message = "\(summary) — \(total.humanText)"
    if failed {
      let kept = runningApps.values.filter { !finished.appsStarted.contains($0) }.sorted()
      message = Self.failureText(finished.failures) + Self.keptNote(kept) + "; waiting for the next change — " + message
    }
    let result = failed ? "failed" : wasStopped ? "stopped" : "ok"
    forward.emit(
      Event(
        kind: .cycleFinished, stage: "pipeline", message: message,
        metadata: [
          "result": result,
          "duration": String(total.seconds),
          "stages": finished.stages.map { "\($0.name)=\($0.duration.map { String($0) } ?? "")" }.joined(separator: ";"),
        ]))
  }

  /// The outcomes of runs that did not go to their end: stopped for newer changes, or by the
  /// pipeline's stop.
  private static let cutShort: Set<String> = ["superseded", "stopped"]

  /// One part per stage and outcome, in the order they first ran: `build 412ms`, or for a stage
  /// that ran several times in one cycle (a burst of saves merged into it),
  /// `format 31ms (6 runs)` with the runs' total time.
  static func summaryParts(_ runs: [(name: String, duration: Double?, outcome: String)]) -> [String] {
    struct Part {
      var name: String
      var outcome: String
      var duration: Double?
      var count: Int
    }
    var parts: [Part] = []
    for run in runs {
      if let index = parts.firstIndex(where: { $0.name == run.name && $0.outcome == run.outcome }) {
        if let more = run.duration { parts[index].duration = (parts[index].duration ?? 0) + more }
        parts[index].count += 1
      } else {
        parts.append(Part(name: run.name, outcome: run.outcome, duration: run.duration, count: 1))
      }
    }
    return parts.map { part in
      var notes: [String] = []
      if part.count > 1 { notes.append("\(part.count) runs") }
      if part.outcome != "ok" { notes.append(part.outcome) }
      return part.name + (part.duration.map { " " + Duration.seconds($0).humanText } ?? "")
        + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))")
    }
  }

  /// `names` without repeats, in the order of their first appearance.
  private static func uniqued(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
  }

  /// The failures of a cycle, in order, each said once: a failure repeated word for word
  /// (a queued build that timed out again) gets a count, `… was stopped (3 times)`.
  static func failureText(_ failures: [String]) -> String {
    var counts: [String: Int] = [:]
    var order: [String] = []
    for failure in failures {
      if counts[failure] == nil { order.append(failure) }
      counts[failure, default: 0] += 1
    }
    return order.map { failure in
      let count = counts[failure] ?? 1
      return count > 1 ? "\(failure) (\(count) times)" : failure
    }.joined(separator: "; ")
  }

  /// `; the running app (pid 4242) is kept`, or nothing when no app ran before the cycle.
  static func keptNote(_ pids: [String]) -> String {
    switch pids.count {
    case 0: return ""
    case 1: return "; the running app (pid \(pids[0])) is kept"
    default: return "; the running apps (pids \(pids.joined(separator: ", "))) are kept"
    }
  }
}
