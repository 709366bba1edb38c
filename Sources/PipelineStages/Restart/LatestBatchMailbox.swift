import PipelineCore
import Synchronization

/// Holds at most one batch — everything put in since the last take, merged — and wakes one
/// consumer. Driving every restart through one consumer of this mailbox is what guarantees
/// that two restarts never interleave (an actor whose method awaits would be re-entered).
final class LatestBatchMailbox: Sendable {
  /// What the consumer is asked to do: restart for `batch` (which merged `count` batches),
  /// or, with no batch, restart on its own (`on_exit: restart`).
  struct Request {
    var batch: Batch?
    var count: Int
  }

  private struct Content {
    var batch: Batch?
    var tokens = 0
    var restartRequested = false
  }
  private let content = Mutex(Content())
  private let signals: AsyncStream<Void>
  private let signal: AsyncStream<Void>.Continuation

  init() {
    (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
  }

  /// Merges `batch` into the held one and wakes the consumer.
  func put(_ batch: Batch) {
    content.withLock { content in
      content.batch = content.batch.map { $0.merging(batch) } ?? batch
      content.tokens += 1
    }
    signal.yield()
  }

  /// Asks for a restart without a batch; a batch taken at the same time covers it.
  func requestRestart() {
    content.withLock { $0.restartRequested = true }
    signal.yield()
  }

  /// Ends the wake-ups: the consumer's loop ends once it has seen the last one.
  func close() { signal.finish() }

  /// Takes what is held: the merged batch or a restart request.
  func take() -> Request? {
    content.withLock { content in
      defer { content = Content() }
      if content.batch == nil && !content.restartRequested { return nil }
      return Request(batch: content.batch, count: content.tokens)
    }
  }

  /// One element per wake-up; several puts between two takes give one wake-up.
  var wakeUps: AsyncStream<Void> { signals }
}
