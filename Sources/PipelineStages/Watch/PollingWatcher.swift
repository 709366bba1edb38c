import Glibc
import PipelineCore
import Synchronization

/// Watches folders by scanning them every `interval`, within a share of one core.
///
/// It works on every file system (network mounts, some container bind mounts, FUSE) and needs no
/// kernel watches, which makes it the fallback of ``InotifyWatcher`` when the inotify limits are
/// reached. An entry is reported modified when its inode, size, modification or change time
/// (nanoseconds) or mode differ from what the scan saw before: an edit that keeps the size
/// changes the times, a copy that sets the old modification time back still moves the change time,
/// an editor's atomic save (write a temporary file, rename it over the original) changes the
/// inode. A file modified within the last timestamp tick or so is compared by its content too
/// (see ``PollingScanner``).
///
/// A round does not read everything (see ``PollingScanner``): it `stat`s every folder and lists
/// again only those whose own inode or timestamps moved (or that were listed within the same
/// timestamp tick as their last change), which finds every creation, removal, rename and atomic
/// save in that same round. Edits in place leave the folder alone, so files are `stat`ed too:
/// every round in folders where something changed in the last minute, and in rotation
/// elsewhere, for as long as `cpuBudget` allows. An in-place edit of a file nobody touched for
/// a while is therefore seen within one *turn* of the rotation rather than one round: on
/// 50,000 files in 5,000 folders at 500 ms and 5 %, a turn takes a few seconds. A tree whose
/// whole scan fits in the budget (any ordinary project: 2,000 files cost a few milliseconds) is
/// scanned whole every round.
///
/// A root that does not exist is not an error: its creation is reported when it appears, and its
/// removal (with everything in it) when it goes. Excluded folders are never read; symlinks
/// below a root are not followed.
///
/// Cost: a full scan is one `fstatat` per entry plus one `open`/`getdents`/`close` per folder,
/// with no allocation for an unchanged entry whose name fits in a small string (15 bytes); a C
/// program doing exactly these calls needs about 110 ms per scan of 50,000 files in 5,000
/// folders on the 2-core machine of PLATFORM-NOTES.md, a fifth of a core at 500 ms. The floor
/// of a budgeted round is one `lstat` per folder. The next round starts `interval` after the
/// previous one *ended*, and a round that cost more than the budget (its folders alone, on a
/// huge tree) lengthens the pause to match.
///
/// - Important: Call `stop()` before dropping the last reference to a started watcher (its
///   `deinit` stops it too, as a safety net). The sink is called from the watcher's own thread.
final class PollingWatcher: FileWatcher {
  private let core: PollingCore
  private let running = Mutex<Running?>(nil)

  private struct Running {
    let thread: WatcherThread
    let wake: WakePipe
  }

  /// - Parameters:
  ///   - roots: Folders to watch; relative paths are taken against the current directory.
  ///   - exclusion: Folders that are never read (and whose creation is not reported).
  ///   - interval: The pause between the end of one scan and the start of the next.
  ///   - cpuBudget: The share of one core the scans may use, such as `0.05`: a round stops
  ///     `stat`ing files in rotation once it used nine tenths of `interval × budget / (1 −
  ///     budget)` of CPU time, and a round that cost more than the budget anyway lengthens the
  ///     following pause to match. `nil` or `1` (the default): the whole tree every round, whatever it costs.
  init(roots: [String], exclusion: WatchExclusion, interval: Duration, cpuBudget: Double? = nil) {
    core = PollingCore(
      roots: DirectoryWalker.outermostRoots(roots), exclusion: exclusion, interval: interval,
      cpuBudget: cpuBudget.flatMap { $0 > 0 && $0 < 1 ? $0 : nil })
  }

  deinit { stop() }

  /// Takes the first snapshot of every root, then starts rescanning on a dedicated thread.
  ///
  /// Returns once the snapshot is taken, so a change made afterwards is reported.
  func start(_ sink: @escaping @Sendable (WatchNotice) -> Void) throws {
    try running.withLock { running throws(WatchSystemError) in
      precondition(running == nil, "PollingWatcher.start called twice without stop()")
      let wake = try WakePipe()
      core.state.withLock { $0.reset(roots: core.roots) }
      let thread = try WatcherThread(name: "pipeline-poll") { [core] in
        core.run(wake: wake, sink: sink)
      }
      running = Running(thread: thread, wake: wake)
    }
  }

  /// Stops scanning and waits for the thread to end. Idempotent; safe to call from the sink.
  func stop() {
    guard let running = running.withLock({ running in
      defer { running = nil }
      return running
    }) else { return }
    running.wake.requestStop()
    running.thread.joinUnlessCurrent()
  }

  // MARK: Subtrees polled for InotifyWatcher

  /// Starts polling the folder at `path` (a folder inotify could not watch) from the next scan.
  ///
  /// Its snapshot is taken now, before this returns, so nothing that happens afterwards is
  /// missed. Adding a path that is already polled does nothing.
  ///
  /// - Parameters:
  ///   - reportsItself: Whether the folder's own creation and removal are reported (for a root;
  ///     a subfolder's own changes are seen by the inotify watch on its parent).
  ///   - reportingContents: Whether to return what the folder holds now as `.created` events
  ///     (for a folder that just appeared).
  /// - Returns: The `.created` events when `reportingContents`, otherwise nothing.
  func addSubtree(_ path: String, reportsItself: Bool = false, reportingContents: Bool) -> [FileEvent] {
    core.state.withLock { $0.addTree(path, reportsItself: reportsItself, reportingContents: reportingContents) }
  }

  /// Stops polling every subtree at or inside `path` (it was deleted or moved out), silently.
  func removeSubtrees(atOrUnder path: String) {
    core.state.withLock { state in
      state.trees.removeAll { DirectoryWalker.isPath($0.path, atOrUnder: path) }
    }
  }

  /// Follows a rename: subtrees at or inside `oldPath` are now under `newPath`. Their snapshots
  /// are kept, so the next scan reports only what changed inside them.
  func moveSubtrees(from oldPath: String, to newPath: String) {
    core.state.withLock { state in
      for index in state.trees.indices where DirectoryWalker.isPath(state.trees[index].path, atOrUnder: oldPath) {
        state.trees[index].path = newPath + state.trees[index].path.dropFirst(oldPath.count)
      }
    }
  }

  /// Keeps only the subtrees whose paths are in `paths`, silently.
  func retainSubtrees(_ paths: Set<String>) {
    core.state.withLock { state in state.trees.removeAll { !paths.contains($0.path) } }
  }

  /// The folders polled now.
  var polledPaths: [String] { core.state.withLock { $0.trees.map(\.path) } }
}

/// What the scanning thread shares with the watcher: the configuration and the snapshots.
private final class PollingCore: Sendable {
  let roots: [String]
  let interval: Duration
  let cpuBudget: Double?
  let state: Mutex<PollingScanner>

  init(roots: [String], exclusion: WatchExclusion, interval: Duration, cpuBudget: Double?) {
    self.roots = roots
    self.interval = interval
    self.cpuBudget = cpuBudget
    state = Mutex(PollingScanner(exclusion: exclusion))
  }

  /// The scanning thread's loop, until a stop is requested.
  func run(wake: WakePipe, sink: @Sendable (WatchNotice) -> Void) {
    let clock = ContinuousClock()
    var nextScan = clock.now + interval
    while !wake.isStopRequested {
      let now = clock.now
      if now < nextScan {
        _ = wake.wait(alsoOn: -1, timeout: now.duration(to: nextScan))
        continue
      }
      let cpuBefore = PollingScanner.threadCPUTime()
      let events = state.withLock { $0.scan(cpuAllowance: cpuAllowance) }
      var pause = interval
      if let cpuBudget {
        let cost = PollingScanner.threadCPUTime() - cpuBefore
        pause = max(interval, cost * ((1 - cpuBudget) / cpuBudget))
      }
      nextScan = clock.now + pause
      if !events.isEmpty && !wake.isStopRequested { sink(.changed(events)) }
    }
  }

  /// The CPU time after which a round stops `stat`ing folders in rotation: with the pause of
  /// `interval` after it, ``allowanceShare`` of the budget.
  private var cpuAllowance: Duration? {
    cpuBudget.map { budget in
      let target = budget * Self.allowanceShare
      return interval * (target / (1 - target))
    }
  }

  /// The part of the budget the rotation aims at. The rest is for what a round spends past its
  /// allowance (the folder in progress when it runs out, the folders' own `stat`s after it, at
  /// least one folder per round) and for waking up: aiming at the whole budget measured
  /// 4.7–4.9 % of a core for a 5 % budget on 50,000 files.
  private static let allowanceShare = 0.9
}
