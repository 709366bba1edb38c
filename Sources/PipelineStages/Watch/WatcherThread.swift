import Glibc
import PipelineCore
import Synchronization

/// A dedicated OS thread that can be joined.
///
/// The backends block in `poll()`, which must not happen on Swift's cooperative pool (it has as
/// many threads as cores, two here). A pthread rather than Foundation's `Thread` because `stop()`
/// must *join* it before it closes the descriptors the thread reads.
final class WatcherThread: Sendable {
  private let handle: pthread_t

  /// Starts `body` on a new thread named `name` (at most 15 bytes are kept).
  ///
  /// `body` is `sending`: it may own non-Sendable state (a backend's watch table), which from
  /// then on only the new thread touches.
  init(name: String, _ body: sending @escaping () -> Void) throws(WatchSystemError) {
    let context = Unmanaged.passRetained(ThreadBody(name: name, body)).toOpaque()
    var handle = pthread_t()
    let code = pthread_create(&handle, nil, { context in
      let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
      nameCurrentThread(body.name)
      body.run()
      return nil
    }, context)
    guard code == 0 else {
      Unmanaged<ThreadBody>.fromOpaque(context).release()
      throw WatchSystemError(operation: "pthread_create", code: code)
    }
    self.handle = handle
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

/// Carries a thread's closure through `pthread_create`'s untyped context pointer.
private final class ThreadBody {
  let name: String
  let run: () -> Void

  init(name: String, _ run: @escaping () -> Void) {
    self.name = name
    self.run = run
  }
}
