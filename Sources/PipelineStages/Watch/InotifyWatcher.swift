import Glibc
import PipelineCore
import Synchronization

/// Watches folders recursively with Linux inotify: one watch per folder, added as folders appear.
///
/// ```
///  start() ── walk roots, add watches ──▶ returns
///                                           │
///  kernel queue ──▶ [engine's thread: epoll(inotify fd, wake pipe, timer)]
///                        │ read ≤ 64 KiB ─▶ parse ─▶ update wd→folder tree ─▶ sink(.changed)
///                        │ IN_Q_OVERFLOW ─▶ re-walk roots ─▶ sink(.rescanNeeded)
///                        │ root gone ─▶ sink(.warning), check for it every 250 ms
///                        └ fallback PollingWatcher (folders over the watch limit) ─▶ sink
///  stop() ── wake pipe ──▶ reader let go, on the engine's thread; stop() waits for it
/// ```
///
/// Folders excluded by the ``WatchExclusion`` are never watched, read or reported. Symlinks are
/// never followed below a root (a root may itself be a link to a folder).
///
/// What is reported:
/// - A file written, truncated or whose attributes changed: `.modified`, at most once per path
///   per read (a save is several inotify events).
/// - A rename inside the tree: `.removed` for the old path, `.created` for the new one; a file
///   made and gone within one read (a temporary file renamed over the real one) is not
///   reported at all. A folder
///   renamed is read again under its new name: each entry found is `.removed` under the old
///   name and `.created` under the new one, and folders its watches missed (made and renamed at
///   once) are watched. A folder moved in is read and everything in it reported `.created`; so
///   is a new folder, because `mkdir -p a/b && cp …` or `git checkout` fill it before its watch
///   exists.
/// - A root deleted or moved away: `.removed` for it and a `.warning`; when it is back, its
///   contents as `.created` and a `.rescanNeeded`.
/// - The kernel queue overflowed: the watches are rebuilt, then `.rescanNeeded` for each root.
/// - The watch limit (`fs.inotify.max_user_watches`) or the open-file limit reached: one
///   `.warning` saying how to raise it, and the folders that could not be watched are polled.
/// - Folders given as `polledSubtrees` (mounts that deliver no events, see ``MountTable``) are
///   polled from the start by the same fallback poller, and their changes reported alike.
/// - The entries of each `shallowFolder` (the git dir, see ``GitHoldStateMachine``): their
///   creation, change and removal, in the same queue, so in order with the tree's events; nothing
///   below them. A shallow folder can also be added later (``watchShallowFolder(_:)``): a
///   `.shallowFolder(_, isWatched: true)` notice says when its events start, and
///   `.shallowFolder(_, isWatched: false)` when a shallow folder's watch ended (deleted, moved).
/// - The creation and removal of each excluded folder named in `reportedExcludedFolders` (a `.git`
///   made by `git init` while watching), though nothing in it is watched.
///
/// Not seen: a root's *parent* being renamed (no inotify event reaches the root's watch), and
/// changes made through another mount of the same files (inotify watches one mount's view).
///
/// - Important: Call `stop()` before dropping the last reference to a started watcher (its
///   `deinit` stops it too, as a safety net). The sink is called from the reading thread (the
///   engine's, or the watcher's own: see ``InotifyReading``), one notice at a time.
final class InotifyWatcher: FileWatcher {
  private let configuration: InotifyConfiguration
  private let running = Mutex<Running?>(nil)

  private struct Running {
    let host: any InotifyReaderHost
    let control: InotifyControl
  }

  /// - Parameters:
  ///   - roots: Folders to watch recursively; relative paths are taken against the current
  ///     directory. A root inside another root is dropped (it would report everything twice).
  ///   - exclusion: Folders never watched, read or reported.
  ///   - maxWatches: For tests: behave as if `inotify_add_watch` failed with ENOSPC once this
  ///     many watches exist. `nil` uses the real limit.
  ///   - fallbackInterval: The polling interval for folders that could not be watched, and for
  ///     `polledSubtrees`.
  ///   - fallbackCPUBudget: The share of one core that polling may use (see ``PollingWatcher``);
  ///     `nil`: every polled folder whole every round.
  ///   - polledSubtrees: Absolute folders inside the roots (or roots) to poll instead of watching:
  ///     those on mounts that deliver no inotify events.
  ///   - shallowFolders: Absolute folders whose entries (not their subfolders) are watched too,
  ///     even when they lie outside the roots or in an excluded folder. Their events come in
  ///     order with the others; a shallow folder that goes away is forgotten, with a
  ///     `.shallowFolder(_, isWatched: false)` notice.
  ///   - reportedExcludedFolders: Absolute paths of excluded folders whose own creation and
  ///     removal are reported (as folder events), though nothing inside them is.
  ///   - unclosedWriteDelay: How long a file written to and still open waits before it is
  ///     reported anyway (one closed is reported at the close).
  ///   - emptyFilePatience: How long past its first write a file still empty and open (truncated
  ///     by a writer that has not written yet) waits before it is reported anyway.
  ///   - catchUp: Also report what changed since this launch in each folder before its watch
  ///     was added (see ``StartupCatchUp``), for a stage that starts its first build before
  ///     the walk. The changes come as the first notices.
  ///   - reading: Which thread reads the queue and calls the sink (see ``InotifyReading``).
  init(
    roots: [String], exclusion: WatchExclusion, maxWatches: Int? = nil,
    fallbackInterval: Duration = .milliseconds(500), fallbackCPUBudget: Double? = nil, polledSubtrees: [String] = [],
    shallowFolders: [String] = [], reportedExcludedFolders: [String] = [],
    unclosedWriteDelay: Duration = .milliseconds(50), emptyFilePatience: Duration = .seconds(2),
    catchUp: StartupCatchUp? = nil, reading: InotifyReading = .onEngineThread
  ) {
    configuration = InotifyConfiguration(
      roots: DirectoryWalker.outermostRoots(roots), exclusion: exclusion, maxWatches: maxWatches,
      fallbackInterval: fallbackInterval, fallbackCPUBudget: fallbackCPUBudget, unclosedWriteDelay: unclosedWriteDelay,
      emptyFilePatience: emptyFilePatience, polledSubtrees: Set(polledSubtrees.map(DirectoryWalker.absolutePath)),
      shallowFolders: shallowFolders.map(DirectoryWalker.absolutePath),
      reportedExcludedFolders: Set(reportedExcludedFolders.map(DirectoryWalker.absolutePath)), catchUp: catchUp,
      reading: reading)
  }

  deinit { stop() }

  /// Adds the watches for every folder under the roots, then starts reading events on the
  /// engine's thread (or a thread of its own, see ``InotifyReading``).
  ///
  /// Returns once every watch is in place, so any change made afterwards is reported. Walking
  /// 5,000 folders takes about 50 ms. A missing root is not an error: a `.warning` says so and
  /// it is watched once it appears.
  ///
  /// - Throws: ``WatchSystemError`` when inotify cannot be used for another reason than a limit
  ///   (limits fall back to polling), or no thread or pipe can be created.
  func start(_ sink: @escaping @Sendable (WatchNotice) -> Void) throws {
    try running.withLock { running throws(WatchSystemError) in
      precondition(running == nil, "InotifyWatcher.start called twice without stop()")
      let control = try InotifyControl()
      let reader = InotifyReader(configuration: configuration, control: control, sink: sink)
      try reader.setUp()
      running = Running(host: try Self.host(for: reader, control: control, reading: configuration.reading), control: control)
    }
  }

  /// Stops watching: ends the reading (joins its thread), removes the watches, closes the descriptors and
  /// stops the fallback polling. Idempotent; safe to call from the sink (it then does not wait).
  func stop() {
    guard let running = running.withLock({ running in
      defer { running = nil }
      return running
    }) else { return }
    running.host.stop()
  }

  private static func host(
    for reader: sending InotifyReader, control: InotifyControl, reading: InotifyReading
  ) throws(WatchSystemError) -> any InotifyReaderHost {
    if reading == .onEngineThread && EngineExecutor.shared.canWatchDescriptors {
      return InotifyEngineHost(reader: reader, control: control, executor: .shared)
    }
    return try InotifyThreadHost(reader: reader, control: control)
  }

  /// For tests: stops (or resumes) reading the inotify queue, so that events pile up in the
  /// kernel (to overflow it on purpose). Returns once the reading thread no longer reads.
  func setReadingPaused(_ paused: Bool) {
    guard let control = running.withLock({ $0?.control }) else { return }
    control.setPaused(paused)
  }

  /// Watches the entries of `folder` (absolute) too, from now on, like a `shallowFolders` entry
  /// given at creation: for a git dir that appeared after the start.
  ///
  /// Returns at once; the reading thread adds the watch and then sends
  /// `.shallowFolder(folder, isWatched: true)`, so every event of its entries comes after that
  /// notice. When the watch cannot be added (the folder is gone already), the notice says
  /// `isWatched: false`. Does nothing on a watcher that is not running.
  func watchShallowFolder(_ folder: String) {
    guard let control = running.withLock({ $0?.control }) else { return }
    control.requestShallowFolder(DirectoryWalker.absolutePath(folder))
  }

  /// What a started watcher does now: how many folders have an inotify watch (shallow folders
  /// not counted), which folders are polled, and which shallow folders are watched. Updated
  /// after each read of the queue; for tests and for the stage's start message.
  var status: InotifyWatcherStatus {
    running.withLock { $0?.control.status } ?? InotifyWatcherStatus()
  }
}

/// See ``InotifyWatcher/status``.
struct InotifyWatcherStatus: Sendable, Hashable {
  var watchedFolderCount = 0
  var polledFolders: [String] = []
  var shallowFolders: Set<String> = []
}

/// What the watcher was created with.
struct InotifyConfiguration: Sendable {
  var roots: [String]
  var exclusion: WatchExclusion
  var maxWatches: Int?
  var fallbackInterval: Duration
  var fallbackCPUBudget: Double?
  var unclosedWriteDelay: Duration
  var emptyFilePatience: Duration
  var polledSubtrees: Set<String>
  var shallowFolders: [String]
  var reportedExcludedFolders: Set<String>
  var catchUp: StartupCatchUp?
  var reading: InotifyReading
}
