import Foundation
import Synchronization

/// Turns the flow of batches into cycles for people: a cycle starts when a batch reaches
/// the first action stage and ends when nothing is in flight any more; at the end it emits
/// ``Event/Kind/cycleFinished`` with how long each stage took.
public final class CycleReporter: EventSink {
  private struct Cycle {
    var started: ContinuousClock.Instant
    var stages: [(name: String, duration: Double, outcome: String)] = []
  }
  private let cycle = Mutex<Cycle?>(nil)
  private let clock = ContinuousClock()
  private let forward: any EventSink
  /// How the last cycle went, for the stages (see ``StageContext/cycles``).
  public let history = CycleHistory()

  /// - Parameter forward: where the cycle events go (the bus).
  public init(forward: any EventSink) { self.forward = forward }

  /// A batch is about to reach an action: opens a cycle unless one is open.
  public func batchReachesActions(_ batch: Batch) {
    let opened = cycle.withLock { cycle -> Bool in
      guard cycle == nil else { return false }
      cycle = Cycle(started: clock.now)
      return true
    }
    if opened {
      forward.emit(
        Event(kind: .cycleStarted, stage: "pipeline", message: batch.description, paths: batch.paths))
    }
  }

  /// Records stage outcomes.
  public func emit(_ event: Event) {
    let outcome: String
    switch event.kind {
    case .stageSucceeded: outcome = "ok"
    case .stageFailed: outcome = event.metadata["continued"] == "true" ? "failed, continued" : "failed"
    case .stageCancelled: outcome = "cancelled"
    default: return
    }
    let duration = Double(event.metadata["duration"] ?? "") ?? 0
    cycle.withLock { $0?.stages.append((event.stage, duration, outcome)) }
  }

  /// Nothing is in flight: closes the open cycle, if any.
  public func pipelineIdle() {
    guard let finished = cycle.withLock({ cycle -> Cycle? in
      defer { cycle = nil }
      return cycle
    }) else { return }
    let total = finished.started.duration(to: clock.now)
    let failed = finished.stages.last { $0.outcome == "failed" }
    history.record(failed: failed != nil)
    let parts = finished.stages.filter { $0.outcome != "cancelled" }.map {
      "\($0.name) \(Duration.seconds($0.duration).humanText)" + ($0.outcome == "ok" ? "" : " (\($0.outcome))")
    }
    let stopped = finished.stages.filter { $0.outcome == "cancelled" }.map(\.name)
    // Every run was stopped before it finished: at shutdown (Ctrl-C during a build), since a
    // run stopped for a newer change is followed by another in the same cycle.
    let allStopped = parts.isEmpty && !stopped.isEmpty
    let summary = allStopped
      ? "\(stopped.joined(separator: " · ")) stopped before finishing"
      : parts.isEmpty ? "nothing ran" : parts.joined(separator: " · ")
    var message = "\(summary) — \(total.humanText)"
    if let failed { message += "; '\(failed.name)' failed, the stages after it did not run; waiting for the next change" }
    let result = failed != nil ? "failed" : allStopped ? "stopped" : "ok"
    forward.emit(
      Event(
        kind: .cycleFinished, stage: "pipeline", message: message,
        metadata: [
          "result": result,
          "duration": String(total.seconds),
          "stages": finished.stages.map { "\($0.name)=\($0.duration)" }.joined(separator: ";"),
        ]))
  }
}
