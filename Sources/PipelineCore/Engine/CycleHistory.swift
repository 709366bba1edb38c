import Glibc
import Synchronization

/// How the last finished cycle went, for stages that act differently after a failure.
///
/// The filter uses it so that saving a file retries a failed cycle even when the file did not
/// change: the cause of a failure often lies outside the watched files (a fixture in an
/// excluded folder, a database, an environment variable), and a save is how people retry.
public final class CycleHistory: Sendable {
  /// When the last cycle ended with a failed stage, in nanoseconds since 1970 (the clock
  /// file modification times use); `nil` when it succeeded or none has finished.
  private let failureEnded = Mutex<Int?>(nil)

  public init() {}

  /// When the last finished cycle failed, in nanoseconds since 1970; `nil` when it succeeded.
  public var lastFailure: Int? { failureEnded.withLock { $0 } }

  /// Records the end of a cycle, now.
  func record(failed: Bool) {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let stamp = Int(now.tv_sec) * 1_000_000_000 + Int(now.tv_nsec)
    failureEnded.withLock { $0 = failed ? stamp : nil }
  }
}
