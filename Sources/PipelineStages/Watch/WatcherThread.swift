import Glibc
import PipelineCore
import Synchronization

/// A dedicated OS thread that can be joined.
///
/// The backends block in `poll()`, which must not happen on Swift's cooperative pool (it has as
/// many threads as cores, two here). Joinable, unlike ``startDetachedThread(named:_:)``, because `stop()`
/// must *join* it before it closes the descriptors the thread reads.
final class WatcherThread: Sendable {
  private let handle: pthread_t

  /// Starts `body` on a new thread named `name` (at most 15 bytes are kept).
  ///
  /// `body` is `sending`: it may own non-Sendable state (a backend's watch table), which from
  /// then on only the new thread touches.
  init(name: String, _ body: sending @escaping () -> Void) throws(WatchSystemError) {
    do {
      handle = try startThread(named: name, body)
    } catch {
      throw WatchSystemError(operation: "pthread_create", code: error.code)
    }
  }

  /// Whether the caller runs on this thread (which must not join itself).
  var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

  /// Waits for the thread to end. Call `join` or `detach` exactly once, never `join` from the
  /// thread itself.
  func join() { _ = pthread_join(handle, nil) }

  /// Lets the thread's resources go when it ends, without waiting for it (for a stop requested
  /// from the thread itself, which cannot join itself).
  func detach() { _ = pthread_detach(handle) }

  /// Joins the thread, or detaches it when called from the thread itself.
  func joinUnlessCurrent() {
    if isCurrent { detach() } else { join() }
  }
}
