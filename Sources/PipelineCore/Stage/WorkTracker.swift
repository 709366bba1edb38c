import Synchronization

/// Counts the work in flight in a pipeline, so the engine can tell when a cycle has ended:
/// no batch waiting in any stage's input and no stage busy with one.
///
/// Batches are counted by the engine as they are sent and handled. A stage that works on a
/// batch beyond the point where it asks for the next one brackets that work with
/// ``begin()`` and ``end()``.
public final class WorkTracker: Sendable {
  private struct State {
    var batchesInFlight = 0
    var busyStages = 0
    var shuttingDown = false
  }
  private let state = Mutex(State())
  private let onIdle: @Sendable () -> Void

  /// - Parameter onIdle: called, outside any lock, each time the count drops to zero.
  public init(onIdle: @escaping @Sendable () -> Void = {}) {
    self.onIdle = onIdle
  }

  /// Marks the start of work that outlives the batch's turn in the input.
  public func begin() { state.withLock { $0.busyStages += 1 } }

  /// Marks the end of work started with ``begin()``.
  public func end(_ count: Int = 1) {
    let idle = state.withLock { state -> Bool in
      state.busyStages -= count
      return state.busyStages == 0 && state.batchesInFlight == 0
    }
    if idle { onIdle() }
  }

  /// `true` once the pipeline has started to stop.
  public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

  /// `true` when nothing is in flight.
  public var isIdle: Bool { state.withLock { $0.busyStages == 0 && $0.batchesInFlight == 0 } }

  package func beginShutdown() { state.withLock { $0.shuttingDown = true } }

  package func batchSent() { state.withLock { $0.batchesInFlight += 1 } }

  package func batchHandled() {
    let idle = state.withLock { state -> Bool in
      state.batchesInFlight -= 1
      return state.busyStages == 0 && state.batchesInFlight == 0
    }
    if idle { onIdle() }
  }
}
