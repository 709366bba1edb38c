import PipelineCore
import Synchronization

/// Whether an engine finished a cycle: a reloaded pipeline that breaks before it did (an app
/// whose new `socket:` is taken, say) is taken for one that could not start, and the previous
/// pipeline starts again instead of `pipeline run` ending.
final class FirstCycleWatch: EventSink {
  private let finished = Mutex(false)

  /// Whether a cycle went to its end, with or without a failed stage (not one cut short by
  /// the pipeline's stop).
  var hasFinishedACycle: Bool { finished.withLock { $0 } }

  func emit(_ event: Event) {
    guard event.kind == .cycleFinished, event.metadata["result"] != "stopped" else { return }
    finished.withLock { $0 = true }
  }
}
