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
    var shutdownHandlers: [Int: @Sendable () -> Void] = [:]
    var nextHandler = 0
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

  /// Calls `handler` once when the pipeline starts to stop, or at once when it already has.
  ///
  /// For a stage whose work on one batch can take long and does not read its input meanwhile
  /// (its input's end is what tells a stage to stop): the handler cuts that work short.
  /// - Returns: a number for ``removeShutdownHandler(_:)``, once the work is over.
  @discardableResult
  public func whenShuttingDown(_ handler: @escaping @Sendable () -> Void) -> Int {
    let id = state.withLock { state -> Int? in
      guard !state.shuttingDown else { return nil }
      state.nextHandler += 1
      state.shutdownHandlers[state.nextHandler] = handler
      return state.nextHandler
    }
    guard let id else {
      handler()
      return 0
    }
    return id
  }

  /// Forgets a handler of ``whenShuttingDown(_:)`` that has not been called.
  public func removeShutdownHandler(_ id: Int) {
    _ = state.withLock { $0.shutdownHandlers.removeValue(forKey: id) }
  }

  package func beginShutdown() {
    let handlers = state.withLock { state -> [@Sendable () -> Void] in
      state.shuttingDown = true
      defer { state.shutdownHandlers = [:] }
      return Array(state.shutdownHandlers.values)
    }
    for handler in handlers { handler() }
  }

  package func batchSent() { state.withLock { $0.batchesInFlight += 1 } }

  package func batchHandled() {
    let idle = state.withLock { state -> Bool in
      state.batchesInFlight -= 1
      return state.busyStages == 0 && state.batchesInFlight == 0
    }
    if idle { onIdle() }
  }
}
