/// The batches that reach a stage, from all of its inputs, in arrival order.
///
/// Iterating ends when the pipeline shuts down (or every input has ended). The engine
/// counts a batch as handled when the stage asks for the next one; a stage that keeps
/// working on a batch after that (it runs a command concurrently, or holds it for a quiet
/// period) says so with ``WorkTracker/begin()`` before asking.
public struct StageInput: AsyncSequence, Sendable {
  public typealias Element = Batch

  let stream: AsyncStream<Batch>
  let work: WorkTracker

  package init(stream: AsyncStream<Batch>, work: WorkTracker) {
    self.stream = stream
    self.work = work
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncStream<Batch>.AsyncIterator
    let work: WorkTracker
    var holdsBatch = false

    public mutating func next() async -> Batch? {
      if holdsBatch {
        holdsBatch = false
        work.batchHandled()
      }
      guard !work.isShuttingDown, let batch = await base.next(), !work.isShuttingDown else {
        return nil
      }
      holdsBatch = true
      return batch
    }
  }

  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: stream.makeAsyncIterator(), work: work)
  }
}

/// Where a stage sends the batches that go on: to every stage that lists it as an input.
public struct StageOutput: Sendable {
  let downstream: [AsyncStream<Batch>.Continuation]
  let work: WorkTracker
  let onSend: @Sendable (Batch) -> Void
  /// For a source: where the changes its own stages wrote are taken out.
  let ownWrites: OwnWrites?
  /// Told the paths of a batch that the screening of own writes left with nothing.
  let onScreenedOut: @Sendable (_ paths: [String]) -> Void

  /// - Parameters:
  ///   - onSend: called with each batch that goes on.
  ///   - ownWrites: for a source, where its batches lose the changes the pipeline's own
  ///     stages made.
  ///   - onScreenedOut: called with the paths of a batch that lost every change that way.
  package init(
    downstream: [AsyncStream<Batch>.Continuation], work: WorkTracker,
    onSend: @escaping @Sendable (Batch) -> Void = { _ in }, screeningWith ownWrites: OwnWrites? = nil,
    onScreenedOut: @escaping @Sendable (_ paths: [String]) -> Void = { _ in }
  ) {
    self.downstream = downstream
    self.work = work
    self.onSend = onSend
    self.ownWrites = ownWrites
    self.onScreenedOut = onScreenedOut
  }

  /// Passes `batch` on. An empty batch (no changes, not the startup batch) is dropped.
  ///
  /// A source's batches first lose the changes that the pipeline's own stages made (see
  /// ``OwnWrites``); a batch touching a file a stage is writing right now goes on once the
  /// stage is done with it.
  public func send(_ batch: Batch) {
    let batch = ownWrites?.withoutPipelineFiles(batch) ?? batch
    // Nothing written by a stage yet (most of the time): nothing to screen.
    guard let ownWrites, !batch.isEmpty, !ownWrites.isEmpty else { return deliver(batch) }
    let unscreened = StageOutput(downstream: downstream, work: work, onSend: onSend)
    let work = self.work
    let onScreenedOut = self.onScreenedOut
    work.begin()
    let screened = ownWrites.screen(batch) { released in
      if released.isEmpty { onScreenedOut(batch.paths) }
      unscreened.deliver(released)
      work.end()
    }
    guard let screened else { return }
    if screened.isEmpty { onScreenedOut(batch.paths) }
    deliver(screened)
    work.end()
  }

  private func deliver(_ batch: Batch) {
    guard !batch.isEmpty, !work.isShuttingDown else { return }
    // Counted before the cycle opens, so the previous cycle cannot close in between.
    for _ in downstream { work.batchSent() }
    onSend(batch)
    for continuation in downstream {
      if case .terminated = continuation.yield(batch) { work.batchHandled() }
    }
  }

  /// `true` when nothing consumes this stage's output.
  public var isTerminal: Bool { downstream.isEmpty }
}
