import Glibc
import Synchronization

/// How the last finished cycle went, for stages that act differently after a failure.
///
/// The filter uses it so that saving a file retries a failed cycle even when the file did not
/// change: the cause of a failure often lies outside the watched files (a fixture in an
/// excluded folder, a database, an environment variable), and a save is how people retry.
///
/// It also knows when cycles and their command stages' runs took place, so the filter can tell
/// a file written while a run of the pipeline's own commands went to its end: the sign of a
/// command that writes into the watched tree (``writer(of:)``).
///
/// ``CycleReporter`` feeds it, under its own lock, so a cycle that ends and the next one that
/// starts are recorded in that order.
public final class CycleHistory: Sendable {
  /// What was going on when a file was written, as far as ``writer(of:)`` can tell.
  public enum Writer: Equatable, Sendable {
    /// No cycle was running: a person (or another program) wrote it.
    case idle
    /// A command stage's run that went to its end (it succeeded or failed, it was not stopped
    /// for newer changes) was going on: maybe it wrote it. `run` tells the runs apart (they
    /// are numbered as they end); one cycle may hold several, when changes made during a run
    /// reach the cycle before it ends.
    case finishedRun(run: Int)
    /// A run that is still going on may have written it: ask again later.
    case undecided
    /// A cycle ran, but no run that went to its end covers the time: a run stopped for newer
    /// changes (with `on_busy: restart`, the change that stopped it), or a moment between runs.
    case otherwise
  }

  private struct Run {
    var started: Int
    var ended: Int
    var number: Int
  }

  private struct State {
    /// When the last cycle ended with a failed stage; `nil` when it succeeded or none has
    /// finished.
    var failureEnded: Int?
    /// The number of the cycle running now, or of the last one.
    var cycle = 0
    /// When the cycle that runs now started; `nil` between cycles.
    var runningSince: Int?
    /// When the last finished cycle started and ended.
    var lastSpan: ClosedRange<Int>?
    /// When each stage's run that goes on now started.
    var openRuns: [String: Int] = [:]
    /// The last runs that went to their end, oldest first.
    var finishedRuns: [Run] = []
    /// How many runs went to their end.
    var finishedRunCount = 0
  }

  /// How many finished runs are remembered.
  static let runMemory = 64

  /// Times are in nanoseconds since 1970: the clock file modification times use.
  private let state = Mutex(State())

  public init() {}

  /// When the last finished cycle failed, in nanoseconds since 1970; `nil` when it succeeded.
  public var lastFailure: Int? { state.withLock { $0.failureEnded } }

  /// What was going on at `time` (nanoseconds since 1970, a file's modification time).
  public func writer(of time: Int) -> Writer {
    state.withLock { state in
      if state.openRuns.values.contains(where: { $0 <= time }) { return .undecided }
      if let run = state.finishedRuns.last(where: { $0.started <= time && time <= $0.ended }) {
        return .finishedRun(run: run.number)
      }
      if let since = state.runningSince, time >= since { return .otherwise }
      if state.lastSpan?.contains(time) == true { return .otherwise }
      return .idle
    }
  }

  /// Records the start of a cycle, now.
  func recordStart() {
    let now = Self.startTime()
    state.withLock { state in
      state.cycle += 1
      state.runningSince = now
    }
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

  /// Records that `stage` started a run of its command, now.
  func recordRunStart(stage: String) {
    let now = Self.startTime()
    state.withLock { state in
      if state.openRuns[stage] == nil { state.openRuns[stage] = now }
    }
  }

  /// Records the end of `stage`'s run, now: `finished` when it went to its end, `false` when
  /// it was stopped for newer changes.
  func recordRunEnd(stage: String, finished: Bool) {
    let now = Self.now()
    state.withLock { state in
      guard let started = state.openRuns.removeValue(forKey: stage), finished else { return }
      state.finishedRunCount += 1
      state.finishedRuns.append(Run(started: started, ended: now, number: state.finishedRunCount))
      if state.finishedRuns.count > Self.runMemory { state.finishedRuns.removeFirst() }
    }
  }

  /// A start: the coarse clock file systems stamp files with, which may lag the precise one
  /// by a tick, so a file written after this has a modification time at or after it.
  private static func startTime() -> Int { now(CLOCK_REALTIME_COARSE) }

  private static func now(_ clock: clockid_t = CLOCK_REALTIME) -> Int {
    var now = timespec()
    clock_gettime(clock, &now)
    return Int(now.tv_sec) * 1_000_000_000 + Int(now.tv_nsec)
  }
}
