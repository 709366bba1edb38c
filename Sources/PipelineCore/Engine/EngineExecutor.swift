import Foundation
@preconcurrency import Glibc
import Synchronization

/// The one thread the engine runs the built-in stages on: a task executor (SE-0417) that a
/// stage asks for with ``Stage/prefersEngineThread``.
///
/// A save travels through several stages, each a task waiting for the one before it, and
/// through the ends of the commands they run. On Swift's global pool, each hand-off from one
/// task to the next wakes another thread of the pool; on a small virtual machine such a
/// wake-up takes tens of microseconds and an interrupt to the other core, and a save made
/// about a dozen of them. On one thread a hand-off is a push on a queue that the thread takes
/// on its next turn: only what comes from outside (a file event, a command's end) wakes it.
///
/// Whatever runs here must not block for long: the stages' slow work (hashing a whole tree
/// in the background, copying a sync) runs on the global pool or on threads of its own.
public final class EngineExecutor: TaskExecutor, @unchecked Sendable {
  /// The engine's executor; its thread starts when first used.
  public static let shared = EngineExecutor(name: "pipeline-engine")

  /// The executor to give a new unstructured task so that it stays where its creator runs:
  /// ``shared`` on the engine's thread, `nil` (the global pool) anywhere else. `Task {}`
  /// does not inherit a task executor preference, so the built-in stages create their
  /// helper tasks with `Task(executorPreference: EngineExecutor.here)`.
  public static var here: (any TaskExecutor)? {
    let engine = engineThread.load(ordering: .acquiring)
    return engine != 0 && pthread_equal(pthread_self(), pthread_t(engine)) != 0 ? shared : nil
  }

  /// Whether the caller runs on the engine's thread.
  public static var isCurrentThread: Bool { here != nil }

  /// The engine thread's `pthread_t`, once it runs; 0 before.
  private static let engineThread = Atomic<UInt>(0)

  // The queue and its wake-up: a pthread mutex and condition, on which the thread sleeps.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  /// Guarded by `mutex`.
  private var queue: [UnownedJob] = []
  /// Guarded by `mutex`: whether the thread sleeps on `condition` (only then is it signalled).
  private var isWaiting = false

  private init(name: String) {
    mutex = .allocate(capacity: 1)
    condition = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
    Thread.detachNewThread { [self] in
      Self.engineThread.store(UInt(pthread_self()), ordering: .releasing)
      nameCurrentThread(name)
      serve()
    }
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    pthread_mutex_lock(mutex)
    queue.append(job)
    let wake = isWaiting
    pthread_mutex_unlock(mutex)
    if wake { pthread_cond_signal(condition) }
  }

  /// Runs the queued jobs in order, forever; sleeps while there are none.
  private func serve() {
    var turn: [UnownedJob] = []
    while true {
      pthread_mutex_lock(mutex)
      while queue.isEmpty {
        isWaiting = true
        pthread_cond_wait(condition, mutex)
        isWaiting = false
      }
      swap(&turn, &queue)
      pthread_mutex_unlock(mutex)
      for job in turn { job.runSynchronously(on: asUnownedTaskExecutor()) }
      turn.removeAll(keepingCapacity: true)
    }
  }
}

/// Shows `name` for the calling thread in `top -H` and `ps -L`. Through /proc because
/// `pthread_setname_np` and `prctl` are not exported by the Glibc module; the kernel keeps 15
/// bytes. A thread created later by this one starts with the same name.
package func nameCurrentThread(_ name: String) {
  let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
  guard descriptor >= 0 else { return }
  var bytes = Array(name.utf8.prefix(15))
  _ = write(descriptor, &bytes, bytes.count)
  close(descriptor)
}
