import PipelineCore
import Synchronization

/// The engine `pipeline run` runs now: a reload of the pipeline replaces it with another. A
/// stop signal that comes between two engines stops the next one as soon as it is attached.
final class RunningEngine: Sendable {
  private struct State {
    var engine: Engine?
    var stopReason: String?
  }
  private let state = Mutex(State())

  /// Makes `engine` the running one; stops it at once when a stop came before.
  func attach(_ engine: Engine) {
    let reason = state.withLock { state in
      state.engine = engine
      return state.stopReason
    }
    if let reason { engine.stop(reason: reason) }
  }

  /// Whether the run is ending: a stop signal came.
  var isStopping: Bool { state.withLock { $0.stopReason != nil } }

  /// Stops the running engine and every engine attached later: the run ends.
  func stop(reason: String) {
    let engine = state.withLock { state in
      if state.stopReason == nil { state.stopReason = reason }
      return state.engine
    }
    engine?.stop(reason: reason)
  }

  /// Runs the running engine's pipeline again, as at its start (the line `rs`).
  func runAgain() {
    state.withLock { $0.stopReason == nil ? $0.engine : nil }?.runAgain()
  }

  /// Stops the running engine alone, so that another can take its place.
  func stopForReplacement(reason: String) {
    state.withLock { $0.engine }?.stop(reason: reason)
  }
}
