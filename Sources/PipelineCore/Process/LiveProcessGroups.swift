@preconcurrency import Glibc
import Synchronization

/// Every process group `pipeline` started and has not yet seen end.
///
/// The last line of defence: whatever path `pipeline` leaves by, ``killAll()`` sends
/// `SIGKILL` to each group that is still registered.
public final class LiveProcessGroups: Sendable {
  public static let shared = LiveProcessGroups()
  private let groups = Mutex(Set<pid_t>())

  func insert(_ pgid: pid_t) { _ = groups.withLock { $0.insert(pgid) } }
  func remove(_ pgid: pid_t) { _ = groups.withLock { $0.remove(pgid) } }

  /// The groups still registered.
  public var all: Set<pid_t> { groups.withLock { $0 } }

  /// Sends `SIGKILL` to every registered group.
  public func killAll() {
    for pgid in groups.withLock({ $0 }) { _ = kill(-pgid, SIGKILL) }
  }
}
