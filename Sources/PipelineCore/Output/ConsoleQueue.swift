@preconcurrency import Glibc

/// Writes the console's bytes on a thread of its own, so that a console that does not read —
/// a terminal paused with Ctrl-S, `pipeline run | less` left on a page, a pipe nobody reads —
/// never blocks the engine: saves still rebuild and restart, and Ctrl-C still stops.
///
/// What waits is held in memory up to ``limit`` bytes; past it, lines are dropped (an app
/// that prints without pause would otherwise grow `pipeline` without bound), and a line on
/// standard error, where they were, says how many were not shown.
final class ConsoleQueue: @unchecked Sendable {
  private struct Chunk {
    var descriptor: Int32
    var bytes: [UInt8]
    /// For a chunk that stands for dropped lines, where they were: how many.
    var droppedLines = 0
  }

  /// The bytes that may wait, written or not yet.
  let limit: Int
  private let write: @Sendable (_ bytes: [UInt8], _ descriptor: Int32) -> Void
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  // Guarded by `mutex`.
  private var chunks: [Chunk] = []
  /// Bytes queued or being written.
  private var waitingBytes = 0
  private var isWriting = false
  private var hasThread = false
  /// A wait for the console ran out, and it has written nothing since: the next wait is not
  /// worth making (`pipeline` is exiting).
  private var isStalled = false
  /// How many writes the thread has finished.
  private var writesCompleted = 0

  /// - Parameters:
  ///   - limit: The bytes that may wait before lines are dropped.
  ///   - write: Writes to a descriptor, blocking until done (tests pass a slow one).
  init(limit: Int = 4 << 20, write: @escaping @Sendable (_ bytes: [UInt8], _ descriptor: Int32) -> Void) {
    self.limit = limit
    self.write = write
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  /// Queues `bytes` (whole lines) for `descriptor`; never blocks on the console. Drops them
  /// when too much waits already.
  func enqueue(_ bytes: [UInt8], to descriptor: Int32) {
    guard !bytes.isEmpty else { return }
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard waitingBytes + bytes.count <= limit else {
      // Noted where they were lost, in order with the lines around them.
      let lines = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
      if let last = chunks.indices.last, chunks[last].droppedLines > 0 {
        chunks[last].droppedLines += lines
      } else {
        chunks.append(Chunk(descriptor: STDERR_FILENO, bytes: [], droppedLines: lines))
      }
      return
    }
    waitingBytes += bytes.count
    if let last = chunks.indices.last, chunks[last].descriptor == descriptor, chunks[last].droppedLines == 0 {
      chunks[last].bytes += bytes
    } else {
      chunks.append(Chunk(descriptor: descriptor, bytes: bytes))
    }
    if !hasThread {
      hasThread = true
      startDetachedThread(named: "pipeline-console") { [self] in writeForever() }
    }
    pthread_cond_broadcast(condition)
  }

  /// Waits until everything queued is written, or `timeout` passes (a console that never
  /// reads again must not keep `pipeline` from exiting); returns whether all was written.
  /// After a wait that ran out, the next one waits at most 100ms for the console to take
  /// something, then the whole `timeout` only if it does.
  @discardableResult
  func drain(timeout: Duration) -> Bool {
    let deadline = Self.monotonic(after: timeout)
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while !chunks.isEmpty || isWriting {
      var until = deadline
      if isStalled {
        let patience = Self.monotonic(after: .milliseconds(100))
        if Self.isEarlier(patience, than: deadline) { until = patience }
      }
      let completedBefore = writesCompleted
      guard pthread_cond_timedwait(condition, mutex, &until) == ETIMEDOUT else { continue }
      if writesCompleted != completedBefore { continue }  // It reads again: full patience.
      if isStalled || !Self.isEarlier(Self.monotonic(after: .zero), than: deadline) {
        isStalled = true
        return false
      }
    }
    return true
  }

  private static func monotonic(after duration: Duration) -> timespec {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let (seconds, attoseconds) = duration.components
    let nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
    now.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
    now.tv_nsec = nanoseconds % 1_000_000_000
    return now
  }

  private static func isEarlier(_ first: timespec, than second: timespec) -> Bool {
    first.tv_sec < second.tv_sec || (first.tv_sec == second.tv_sec && first.tv_nsec < second.tv_nsec)
  }

  private func writeForever() {
    pthread_mutex_lock(mutex)
    while true {
      while chunks.isEmpty { pthread_cond_wait(condition, mutex) }
      let taken = chunks
      chunks.removeAll(keepingCapacity: true)
      isWriting = true
      pthread_mutex_unlock(mutex)
      var written = 0
      for chunk in taken {
        if chunk.droppedLines > 0 {
          write(Array(Self.droppedNote(chunk.droppedLines).utf8), chunk.descriptor)
        } else {
          write(chunk.bytes, chunk.descriptor)
          written += chunk.bytes.count
        }
      }
      pthread_mutex_lock(mutex)
      waitingBytes -= written
      isWriting = false
      isStalled = false
      writesCompleted += 1
      pthread_cond_broadcast(condition)
    }
  }

  /// The line that stands for the lines dropped.
  static func droppedNote(_ count: Int) -> String {
    "pipeline: \(count) \(count == 1 ? "line" : "lines") of output not shown: the console did not take them in time (a paused terminal, or a pipe nobody reads)\n"
  }
}
