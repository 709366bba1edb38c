import PipelineCore
import Synchronization

/// Holds at most one batch — everything put in since the last take, merged — and wakes one
/// consumer. Driving every restart through one consumer of this mailbox is what guarantees
/// that two restarts never interleave (an actor whose method awaits would be re-entered).
final class LatestBatchMailbox: Sendable {
  private struct Content {
    var batch: Batch?
    var tokens = 0
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

  /// Ends the wake-ups: the consumer's loop ends once it has seen the last one.
  func close() { signal.finish() }

  /// Takes the held batch and how many batches were merged into it.
  func take() -> (batch: Batch, count: Int)? {
    content.withLock { content in
      defer { content = Content() }
      return content.batch.map { ($0, content.tokens) }
    }
  }

  /// One element per wake-up; several puts between two takes give one wake-up.
  var wakeUps: AsyncStream<Void> { signals }
}
