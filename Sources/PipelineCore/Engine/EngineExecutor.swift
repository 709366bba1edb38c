import CPipelineSystem
import FoundationEssentials
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
/// in the background, copying a sync) runs on ``background``, on the global pool or on
/// threads of its own.
///
/// It also waits for descriptors (``watch(_:onReadable:)``): the keeper's reports and the
/// commands' output are read here, so that a command's end resumes the stage waiting for it
/// without going through another thread first.
///
/// It also keeps time (``sleep(for:)``, ``schedule(after:_:)``): its thread waits for the
/// next deadline. `Task.sleep` would hand the wake-up to libdispatch's global queues, and the
/// first thread those start brings libdispatch's pool monitor with it, a timer that wakes
/// the process every second for as long as it lives. With the stages' timers here, a
/// pipeline of built-in stages that waits for a change wakes no thread at all.
public final class EngineExecutor: TaskExecutor, @unchecked Sendable {
  /// The engine's executor; its thread starts when first used.
  public static let shared = EngineExecutor(name: "pipeline-engine")

  /// A second thread of the same kind for long work in the background that must not hold
  /// the engine (the filter's fingerprints of the whole tree at startup).
  public static let background = EngineExecutor(name: "pipeline-backgr")

  /// The executor to give a new unstructured task so that it stays where its creator runs:
  /// ``shared`` on the engine's thread, `nil` (the global pool) anywhere else. `Task {}`
  /// does not inherit a task executor preference, so the built-in stages create their
  /// helper tasks with `Task(executorPreference: EngineExecutor.here)`.
  public static var here: (any TaskExecutor)? { shared.isCurrent ? shared : nil }

  /// Whether the caller runs on the engine's thread.
  public static var isCurrentThread: Bool { shared.isCurrent }

  /// Whether the caller runs on this executor's thread.
  public var isCurrent: Bool {
    let own = thread.load(ordering: .acquiring)
    return own != 0 && pthread_equal(pthread_self(), pthread_t(own)) != 0
  }

  /// This executor's thread (its `pthread_t`), once it runs; 0 before.
  private let thread = Atomic<UInt>(0)

  /// A pending ``schedule(after:_:)``.
  private struct Timer {
    let id: UInt64
    /// `CLOCK_MONOTONIC`, in nanoseconds.
    let deadline: UInt64
    let body: @Sendable () -> Void
  }

  // What the thread waits on: an epoll set holding an eventfd (work queued from another
  // thread), a timerfd (the next deadline) and the watched descriptors. Should the set not be
  // created (no descriptor left), it waits on `condition` instead, and watches nothing.
  private let poller: Int32
  private let wakeUp: Int32
  private let alarm: Int32
  private static let wakeUpToken: UInt64 = 0
  private static let alarmToken: UInt64 = 1

  /// A descriptor given to ``watch(_:onReadable:)``.
  private struct Watched {
    let descriptor: Int32
    let onReadable: @Sendable () -> Void
  }

  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  /// Guarded by `mutex`.
  private var queue: [UnownedJob] = []
  /// Guarded by `mutex`: whether the thread waits (only then is it woken).
  private var isWaiting = false
  /// Guarded by `mutex`: whether it was woken since it began to wait (one wake-up is enough).
  private var isWoken = false
  /// Guarded by `mutex`: the watched descriptors, by their token in the epoll set.
  private var watched: [UInt64: Watched] = [:]
  /// Guarded by `mutex`.
  private var nextToken: UInt64 = 2
  /// Guarded by `mutex`: pending timers, in no order (a handful at most).
  private var timers: [Timer] = []
  /// Guarded by `mutex`.
  private var nextTimer: UInt64 = 0
  /// Guarded by `mutex`: what ``whenIdle(_:)`` asked to run before the thread next waits.
  private var idleWork: [@Sendable () -> Void] = []

  private init(name: String) {
    mutex = .allocate(capacity: 1)
    condition = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
    (poller, wakeUp, alarm) = Self.makeWaitSet()
    startDetachedThread(named: name) { [self] in
      thread.store(UInt(pthread_self()), ordering: .releasing)
      serve()
    }
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    pthread_mutex_lock(mutex)
    queue.append(job)
    let wake = takeWakeUp()
    pthread_mutex_unlock(mutex)
    if wake { wakeThread() }
  }

  /// Whether ``watch(_:onReadable:)`` can work: the executor made its epoll set.
  public var canWatchDescriptors: Bool { poller >= 0 }

  /// Calls `onReadable` on this executor's thread whenever `descriptor` has input (or its end
  /// of file, or an error) to read, until ``unwatch(_:)``. Level-triggered: read what is
  /// there, or it is called again. It must not block; readiness may be spurious.
  ///
  /// - Returns: a token for ``unwatch(_:)``, or `nil` when this executor cannot watch
  ///   descriptors (it could not create its epoll set): read on a thread of your own then.
  public func watch(_ descriptor: Int32, onReadable: @escaping @Sendable () -> Void) -> UInt64? {
    guard poller >= 0 else { return nil }
    pthread_mutex_lock(mutex)
    let token = nextToken
    nextToken += 1
    watched[token] = Watched(descriptor: descriptor, onReadable: onReadable)
    pthread_mutex_unlock(mutex)
    guard pipeline_epoll_add(poller, descriptor, token) == 0 else {
      pthread_mutex_lock(mutex)
      watched[token] = nil
      pthread_mutex_unlock(mutex)
      return nil
    }
    return token
  }

  /// Stops watching the descriptor of `token`; call it before closing the descriptor. Once it
  /// returns, `onReadable` is not called again (a call under way on the executor's thread,
  /// when this is called from another, may still finish).
  public func unwatch(_ token: UInt64) {
    pthread_mutex_lock(mutex)
    let removed = watched.removeValue(forKey: token)
    pthread_mutex_unlock(mutex)
    if let removed { _ = pipeline_epoll_remove(poller, removed.descriptor) }
  }

  /// Under `mutex`: whether the caller must wake the thread (it waits and was not woken yet).
  private func takeWakeUp() -> Bool {
    guard isWaiting, !isWoken else { return false }
    isWoken = true
    return true
  }

  private func wakeThread() {
    if poller >= 0 { pipeline_eventfd_signal(wakeUp) } else { pthread_cond_signal(condition) }
  }

  /// Runs `body` on this executor's thread once `delay` has passed.
  ///
  /// - Returns: a number for ``cancelTimer(_:)``.
  @discardableResult
  public func schedule(after delay: Duration, _ body: @escaping @Sendable () -> Void) -> UInt64 {
    let deadline = Self.monotonicNow() &+ Self.nanoseconds(delay)
    pthread_mutex_lock(mutex)
    nextTimer += 1
    let id = nextTimer
    timers.append(Timer(id: id, deadline: deadline, body: body))
    let wake = takeWakeUp()
    pthread_mutex_unlock(mutex)
    // The thread may be waiting for a later deadline: it looks again.
    if wake { wakeThread() }
    return id
  }

  /// Drops a timer that has not fired. Returns whether it was still pending.
  @discardableResult
  public func cancelTimer(_ id: UInt64) -> Bool {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard let index = timers.firstIndex(where: { $0.id == id }) else { return false }
    timers.remove(at: index)
    return true
  }

  /// Suspends the calling task for `duration`, like `Task.sleep(for:)`, with the engine's
  /// thread keeping the time: no thread of libdispatch's global pool is started for it. The
  /// task then goes on wherever it prefers to run. Throws `CancellationError` when the task
  /// is cancelled, at once.
  public static func sleep(for duration: Duration) async throws {
    let resumer = SleepResumer()
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        resumer.arm(continuation)
        if Task.isCancelled {
          resumer.resume(throwing: CancellationError())
          return
        }
        let id = shared.schedule(after: duration) { resumer.resume(throwing: nil) }
        if resumer.setTimer(id) == false { shared.cancelTimer(id) }
      }
    } onCancel: {
      if let id = resumer.resume(throwing: CancellationError()) { shared.cancelTimer(id) }
    }
  }

  /// Runs `body` once on this executor's thread when it has nothing left to do, just before
  /// it waits: work that must happen soon but not ahead of what is queued (the console lines
  /// of a turn, written after the turn has sent its commands on their way).
  public func whenIdle(_ body: @escaping @Sendable () -> Void) {
    pthread_mutex_lock(mutex)
    idleWork.append(body)
    let wake = takeWakeUp()
    pthread_mutex_unlock(mutex)
    if wake { wakeThread() }
  }

  /// Like ``sleep(for:)``, until `deadline`.
  public static func sleep(until deadline: ContinuousClock.Instant) async throws {
    try await sleep(for: max(.zero, ContinuousClock().now.duration(to: deadline)))
  }

  /// Runs the timers that are due, the handlers of the descriptors that are ready and the
  /// queued jobs, in turns, forever; waits while there is nothing to do.
  private func serve() {
    var turn: [UnownedJob] = []
    var due: [@Sendable () -> Void] = []
    var ready: [UInt64] = []
    var idle: [@Sendable () -> Void] = []
    var wait = EpollWait()
    while true {
      pthread_mutex_lock(mutex)
      while true {
        let now = Self.monotonicNow()
        var next = UInt64.max
        timers.removeAll { timer in
          if timer.deadline <= now {
            due.append(timer.body)
            return true
          }
          next = min(next, timer.deadline)
          return false
        }
        if !queue.isEmpty || !due.isEmpty || !ready.isEmpty { break }
        if !idleWork.isEmpty {
          swap(&idle, &idleWork)
          pthread_mutex_unlock(mutex)
          for body in idle { body() }
          idle.removeAll(keepingCapacity: true)
          pthread_mutex_lock(mutex)
          continue
        }
        isWaiting = true
        isWoken = false
        if poller < 0 {
          if next == .max {
            pthread_cond_wait(condition, mutex)
          } else {
            var until = timespec(tv_sec: Int(next / 1_000_000_000), tv_nsec: Int(next % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &until)
          }
          isWaiting = false
          continue
        }
        pthread_mutex_unlock(mutex)
        waitInEpoll(until: next, with: &wait, readyTokens: &ready)
        pthread_mutex_lock(mutex)
        isWaiting = false
      }
      swap(&turn, &queue)
      pthread_mutex_unlock(mutex)
      for body in due { body() }
      due.removeAll(keepingCapacity: true)
      for token in ready {
        // Looked up one by one: a handler may unwatch another descriptor.
        pthread_mutex_lock(mutex)
        let handler = watched[token]?.onReadable
        pthread_mutex_unlock(mutex)
        handler?()
      }
      ready.removeAll(keepingCapacity: true)
      for job in turn { job.runSynchronously(on: asUnownedTaskExecutor()) }
      turn.removeAll(keepingCapacity: true)
    }
  }

  /// What the thread keeps between its waits in the epoll set.
  private struct EpollWait {
    /// The tokens `epoll_wait` reports, in memory of its own: an array passed as `&tokens`
    /// had its buffer copied at each call, and the copies were never freed (about 300 bytes
    /// per wake-up, found with heaptrack).
    let tokens = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    static let capacity = 32
    /// The deadline the timerfd is set to (0: none).
    var armed: UInt64 = 0
  }

  /// Waits in the epoll set until something comes from another thread, the timerfd fires at
  /// `deadline` (`UInt64.max`: none) or a watched descriptor is ready; adds the tokens of the
  /// ready ones to `readyTokens`. Called without `mutex`.
  private func waitInEpoll(until deadline: UInt64, with wait: inout EpollWait, readyTokens: inout [UInt64]) {
    let alarmAt = deadline == .max ? 0 : deadline
    if alarmAt != wait.armed, pipeline_timerfd_set(alarm, alarmAt) == 0 { wait.armed = alarmAt }
    let count = pipeline_epoll_wait_for(poller, wait.tokens, Int32(EpollWait.capacity), -1)
    for index in 0..<max(0, Int(count)) {
      switch wait.tokens[index] {
      case Self.wakeUpToken: pipeline_eventfd_clear(wakeUp)
      case Self.alarmToken:
        pipeline_timerfd_clear(alarm)
        wait.armed = 0
      case let token: readyTokens.append(token)
      }
    }
  }

  /// The epoll set with its eventfd and timerfd, or -1s when any of them cannot be created.
  private static func makeWaitSet() -> (poller: Int32, wakeUp: Int32, alarm: Int32) {
    let poller = pipeline_epoll_create()
    let wakeUp = pipeline_eventfd_create()
    let alarm = pipeline_timerfd_create()
    guard poller >= 0, wakeUp >= 0, alarm >= 0,
      pipeline_epoll_add(poller, wakeUp, wakeUpToken) == 0, pipeline_epoll_add(poller, alarm, alarmToken) == 0
    else {
      for descriptor in [poller, wakeUp, alarm] where descriptor >= 0 { close(descriptor) }
      return (-1, -1, -1)
    }
    return (poller, wakeUp, alarm)
  }

  private static func monotonicNow() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
  }

  private static func nanoseconds(_ duration: Duration) -> UInt64 {
    guard duration > .zero else { return 0 }
    let (seconds, attoseconds) = duration.components
    let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    return overflow ? UInt64.max / 2 : min(whole &+ UInt64(attoseconds / 1_000_000_000), UInt64.max / 2)
  }
}

/// The one resumption of a ``EngineExecutor/sleep(for:)``: by its timer or by cancellation,
/// whichever comes first.
private final class SleepResumer: Sendable {
  private struct State {
    var continuation: CheckedContinuation<Void, any Error>?
    var timer: UInt64?
    var done = false
  }
  private let state = Mutex(State())

  func arm(_ continuation: CheckedContinuation<Void, any Error>) {
    state.withLock { $0.continuation = continuation }
  }

  /// Records the timer; `false` when the sleep already ended (the caller cancels it).
  func setTimer(_ id: UInt64) -> Bool {
    state.withLock { state in
      guard !state.done else { return false }
      state.timer = id
      return true
    }
  }

  /// Resumes once (with `error`, or normally for `nil`); returns the timer to cancel, if any.
  @discardableResult
  func resume(throwing error: (any Error)?) -> UInt64? {
    let (continuation, timer) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, UInt64?) in
      guard !state.done, let continuation = state.continuation else {
        // Cancelled before the continuation was armed: it will see Task.isCancelled.
        return (nil, nil)
      }
      state.done = true
      state.continuation = nil
      return (continuation, state.timer)
    }
    guard let continuation else { return nil }
    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
    return timer
  }
}
