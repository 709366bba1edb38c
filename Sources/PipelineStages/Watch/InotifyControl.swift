import Glibc
import PipelineCore
import Synchronization

/// What the caller's threads share with the reading thread (see ``InotifyReading``): the wake pipe, notices relayed from
/// the fallback poller (so the sink is only ever called from one thread), and the test pause.
final class InotifyControl: Sendable {
  let wake: WakePipe
  private let shared = Mutex(Shared())

  private struct Shared {
    var relayed: [WatchNotice] = []
    var requestedShallowFolders: [String] = []
    var isPaused = false
    var isPauseObserved = false
    var watchedFolderCount = 0
    var shallowFolders: Set<String> = []
    var fallback: PollingWatcher?
  }

  init() throws(WatchSystemError) { wake = try WakePipe() }

  /// Queues a notice for the reading thread to send.
  func relay(_ notice: WatchNotice) {
    shared.withLock { $0.relayed.append(notice) }
    wake.wake()
  }

  /// Asks the reading thread to watch the entries of `folder`.
  func requestShallowFolder(_ folder: String) {
    shared.withLock { $0.requestedShallowFolders.append(folder) }
    wake.wake()
  }

  func takeRequestedShallowFolders() -> [String] {
    shared.withLock { shared in
      defer { shared.requestedShallowFolders = [] }
      return shared.requestedShallowFolders
    }
  }

  func takeRelayed() -> [WatchNotice] {
    shared.withLock { shared in
      defer { shared.relayed = [] }
      return shared.relayed
    }
  }

  /// Whether reading is paused; the reading thread calls it at each turn, which acknowledges it.
  func observePause() -> Bool {
    shared.withLock { shared in
      shared.isPauseObserved = shared.isPaused
      return shared.isPaused
    }
  }

  /// The reading thread publishes what it watches.
  func publish(watchedFolderCount: Int, shallowFolders: Set<String>) {
    shared.withLock {
      $0.watchedFolderCount = watchedFolderCount
      $0.shallowFolders = shallowFolders
    }
  }

  func publish(fallback: PollingWatcher) { shared.withLock { $0.fallback = fallback } }

  var status: InotifyWatcherStatus {
    let (count, shallow, fallback) = shared.withLock { ($0.watchedFolderCount, $0.shallowFolders, $0.fallback) }
    return InotifyWatcherStatus(
      watchedFolderCount: count, polledFolders: fallback?.polledPaths.sorted() ?? [], shallowFolders: shallow)
  }

  func setPaused(_ paused: Bool) {
    shared.withLock { $0.isPaused = paused }
    wake.wake()
    // A test hook: a short spin until the reading thread has seen it (it waits or is
    // finishing one read), bounded in case the thread is gone.
    var attempts = 0
    while attempts < 5000 && shared.withLock({ $0.isPauseObserved != paused }) && !wake.isStopRequested {
      usleep(1000)
      attempts += 1
    }
  }
}
