import Glibc
import Synchronization

/// How the last finished cycle went, for stages that act differently after a failure.
///
/// The filter uses it so that saving a file retries a failed cycle even when the file did not
/// change: the cause of a failure often lies outside the watched files (a fixture in an
/// excluded folder, a database, an environment variable), and a save is how people retry.
///
/// It also knows when cycles ran, so the filter can tell a file written while one ran: the
/// sign of a command that writes into the watched tree.
public final class CycleHistory: Sendable {
  private struct State {
    /// When the last cycle ended with a failed stage; `nil` when it succeeded or none has
    /// finished.
    var failureEnded: Int?
    /// When the cycle that runs now started; `nil` between cycles.
    var runningSince: Int?
    /// When the last finished cycle started and ended.
    var lastSpan: ClosedRange<Int>?
  }

  /// Times are in nanoseconds since 1970: the clock file modification times use.
  private let state = Mutex(State())

  public init() {}

  /// When the last finished cycle failed, in nanoseconds since 1970; `nil` when it succeeded.
  public var lastFailure: Int? { state.withLock { $0.failureEnded } }

  /// Whether `time` (nanoseconds since 1970, such as a file's modification time) falls while
  /// a cycle ran: the last finished one, or the one running now.
  public func isDuringACycle(_ time: Int) -> Bool {
    state.withLock { state in
      if let since = state.runningSince, time >= since { return true }
      return state.lastSpan?.contains(time) ?? false
    }
  }

  /// Records the start of a cycle, now.
  func recordStart() {
    // The coarse clock file systems stamp files with, which may lag the precise one by a
    // tick: a file written after this has a modification time at or after it.
    let now = Self.now(CLOCK_REALTIME_COARSE)
    state.withLock { $0.runningSince = now }
  }

  /// Records the end of a cycle, now.
  func record(failed: Bool) {
    let now = Self.now()
    state.withLock { state in
      state.failureEnded = failed ? now : nil
      state.lastSpan = min(state.runningSince ?? now, now)...now
      state.runningSince = nil
    }
  }

  private static func now(_ clock: clockid_t = CLOCK_REALTIME) -> Int {
    var now = timespec()
    clock_gettime(clock, &now)
    return Int(now.tv_sec) * 1_000_000_000 + Int(now.tv_nsec)
  }
}
