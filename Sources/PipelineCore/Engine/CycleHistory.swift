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
    /// for newer changes) was going on: maybe it wrote it. The runs are numbered as they end;
    /// one cycle may hold several, when changes made during a run reach the cycle before it
    /// ends.
    case finishedRun(RunSpan)
    /// A command stage's run that was stopped before its end was going on: with `on_busy:
    /// restart`, the change that stopped it may be the one written then.
    case stoppedRun(RunSpan)
    /// A run that is still going on may have written it: ask again later.
    case undecided
    /// A cycle ran, but no run of a command covers the time: a moment between runs.
    case otherwise

    /// Whether a run of a command, ended or still going on, covers the time.
    public var isDuringARun: Bool {
      switch self {
      case .finishedRun, .stoppedRun, .undecided: true
      case .idle, .otherwise: false
      }
    }
  }

  /// When a run of a command stage took place.
  public struct RunSpan: Equatable, Sendable {
    /// The runs, finished or stopped, are numbered as they end, from 1.
    public var number: Int
    /// When it started and ended, in nanoseconds since 1970.
    public var time: ClosedRange<Int>

    public init(number: Int, time: ClosedRange<Int>) {
      self.number = number
      self.time = time
    }
  }

  private struct Run {
    var span: RunSpan
    /// Whether it went to its end (it was not stopped for newer changes).
    var finished: Bool
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
    /// The last runs that ended, finished or stopped, oldest first.
    var endedRuns: [Run] = []
    /// How many runs ended.
    var endedRunCount = 0
  }

  /// How many ended runs are remembered.
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
      let covering = state.endedRuns.filter { $0.span.time.contains(time) }
      if let run = covering.last(where: \.finished) { return .finishedRun(run.span) }
      if let run = covering.last { return .stoppedRun(run.span) }
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
  /// it was stopped before (for newer changes, or by the pipeline's stop).
  func recordRunEnd(stage: String, finished: Bool) {
    let now = Self.now()
    state.withLock { state in
      guard let started = state.openRuns.removeValue(forKey: stage) else { return }
      state.endedRunCount += 1
      let span = RunSpan(number: state.endedRunCount, time: started...max(started, now))
      state.endedRuns.append(Run(span: span, finished: finished))
      if state.endedRuns.count > Self.runMemory { state.endedRuns.removeFirst() }
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
