import Dispatch
import Glibc
import PipelineCore

/// Which thread an ``InotifyWatcher`` reads its queue on.
enum InotifyReading: Sendable {
  /// The engine's thread (``EngineExecutor/shared``), which waits for the inotify descriptor
  /// with everything else it waits for. A save then reaches the watch stage, which runs there
  /// too, without waking another thread first: on a small virtual machine, waking an idle
  /// core's thread costs about 0.1 ms, a fortieth of a save's restart.
  case onEngineThread
  /// A thread of its own, blocked in `poll()`: where the engine's thread cannot watch
  /// descriptors, and for tests of both ways.
  case onOwnThread
}

/// What runs a started ``InotifyReader``'s turns; ``InotifyWatcher/stop()`` ends it.
protocol InotifyReaderHost: Sendable {
  /// Ends the turns and lets the reader go (which closes its descriptors). Once it returns, the
  /// sink is not called again, except from the reading thread itself: called from the sink,
  /// it returns at once and the turn under way finishes.
  func stop()
}

/// Takes a reader's turns on a thread of its own: `poll()` on the inotify descriptor and the
/// wake pipe, with a timeout for the next deadline.
final class InotifyThreadHost: InotifyReaderHost {
  private let thread: WatcherThread
  private let control: InotifyControl

  init(reader: sending InotifyReader, control: InotifyControl) throws(WatchSystemError) {
    self.control = control
    thread = try WatcherThread(name: "pipeline-inotify") { Self.loop(reader, control: control) }
  }

  private static func loop(_ reader: InotifyReader, control: InotifyControl) {
    var deadline = reader.begin()
    while !control.wake.isStopRequested {
      let descriptor = reader.isPaused ? -1 : reader.inotifyDescriptor
      let timeout = deadline.map { max(.zero, ContinuousClock.now.duration(to: $0)) }
      let isReadable = control.wake.wait(alsoOn: descriptor, timeout: timeout)
      if control.wake.isStopRequested { break }
      deadline = reader.turn(isReadable: isReadable)
    }
  }

  func stop() {
    control.wake.requestStop()
    thread.joinUnlessCurrent()
  }
}

/// Takes a reader's turns on an ``EngineExecutor``'s thread: the executor watches the inotify
/// descriptor and the wake pipe, and keeps a timer for the next deadline.
///
/// A turn that walks a new folder, or rebuilds every watch after an overflow, holds the
/// engine's thread meanwhile (10–20 ms per 1,000 folders); the stages' work waits, nothing
/// is lost.
final class InotifyEngineHost: InotifyReaderHost, @unchecked Sendable {
  // @unchecked: everything but `ended` is touched only on the executor's thread (the
  // initializer hands `reader` over before any turn); `ended` is a semaphore.
  private let executor: EngineExecutor
  private let control: InotifyControl
  private var reader: InotifyReader?
  private var hasBegun = false
  private var inotifyToken: UInt64?
  private var wakeToken: UInt64?
  private var timer: UInt64?
  private let ended = DispatchSemaphore(value: 0)

  /// Starts taking `reader`'s turns on `executor`'s thread, which must be able to watch
  /// descriptors (``EngineExecutor/canWatchDescriptors``).
  init(reader: sending InotifyReader, control: InotifyControl, executor: EngineExecutor) {
    self.reader = reader
    self.control = control
    self.executor = executor
    wakeToken = executor.watch(control.wake.readDescriptor) { [self] in woken() }
    // Before any handler: a timer due now runs ahead of the descriptors in the executor's turn.
    executor.schedule(after: .zero) { [self] in begin() }
  }

  func stop() {
    control.wake.requestStop()
    if executor.isCurrent { end() } else { ended.wait() }
  }

  private func begin() {
    guard !hasBegun else { return }
    hasBegun = true
    guard let reader, !control.wake.isStopRequested else { return end() }
    afterTurn(deadline: reader.begin())
  }

  private func woken() {
    begin()
    control.wake.drain()
    take(isReadable: false)
  }

  private func take(isReadable: Bool) {
    guard let reader, !control.wake.isStopRequested else { return end() }
    afterTurn(deadline: reader.turn(isReadable: isReadable))
  }

  /// Watches the inotify descriptor unless reading is paused, and sets the timer.
  private func afterTurn(deadline: ContinuousClock.Instant?) {
    guard let reader, !control.wake.isStopRequested else { return end() }
    let paused = reader.isPaused
    if paused, let token = inotifyToken {
      executor.unwatch(token)
      inotifyToken = nil
    } else if !paused, inotifyToken == nil, reader.inotifyDescriptor >= 0 {
      inotifyToken = executor.watch(reader.inotifyDescriptor) { [self] in take(isReadable: true) }
    }
    if (inotifyToken == nil && !paused && reader.inotifyDescriptor >= 0) || wakeToken == nil {
      // The epoll set refused a descriptor (its memory limit): look every 50 ms instead.
      timerAt(min(deadline ?? .now + Self.pollingFallback, .now + Self.pollingFallback))
    } else if let deadline {
      timerAt(deadline)
    } else {
      cancelTimer()
    }
  }

  private static let pollingFallback = Duration.milliseconds(50)

  private func timerAt(_ deadline: ContinuousClock.Instant) {
    cancelTimer()
    timer = executor.schedule(after: max(.zero, ContinuousClock.now.duration(to: deadline))) { [self] in
      timer = nil
      if wakeToken == nil { control.wake.drain() }
      take(isReadable: inotifyToken == nil && reader?.inotifyDescriptor ?? -1 >= 0)
    }
  }

  private func cancelTimer() {
    if let timer { executor.cancelTimer(timer) }
    timer = nil
  }

  /// Stops watching, lets the reader go and wakes a ``stop()`` waiting on another thread.
  private func end() {
    guard reader != nil else { return }
    hasBegun = true
    if let inotifyToken { executor.unwatch(inotifyToken) }
    if let wakeToken { executor.unwatch(wakeToken) }
    inotifyToken = nil
    wakeToken = nil
    cancelTimer()
    reader = nil
    ended.signal()
  }
}
