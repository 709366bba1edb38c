import PipelineCore

/// The timing of ``DebounceStage`` as a value: it gathers batches and says when the gathered
/// batch is due — once the changes have been quiet for `window`, and no later than
/// `maxWait` after the first change, so a steady trickle cannot hold a batch back forever.
struct DebounceStateMachine {
  let window: Duration
  let maxWait: Duration
  private(set) var pending: Batch?
  private var firstArrival: ContinuousClock.Instant?
  private var lastArrival: ContinuousClock.Instant?

  init(window: Duration, maxWait: Duration) {
    self.window = window
    self.maxWait = maxWait
  }

  /// When the pending batch is due, if there is one.
  var deadline: ContinuousClock.Instant? {
    guard let firstArrival, let lastArrival else { return nil }
    return min(lastArrival.advanced(by: window), firstArrival.advanced(by: maxWait))
  }

  /// Adds `batch` (a union with what is pending) and returns the new deadline.
  mutating func receive(_ batch: Batch, at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
    if pending == nil {
      pending = batch
      firstArrival = now
    } else {
      pending!.merge(batch)
    }
    lastArrival = now
    return deadline!
  }

  /// The gathered batch, when its deadline has come; the machine is then empty again.
  mutating func flush(at now: ContinuousClock.Instant) -> Batch? {
    guard let deadline, now >= deadline, let batch = pending else { return nil }
    pending = nil
    firstArrival = nil
    lastArrival = nil
    return batch
  }
}
