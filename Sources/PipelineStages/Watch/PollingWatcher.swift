import Glibc
import PipelineCore
import Synchronization

/// Watches folders by rescanning them every `interval`.
///
/// It works on every file system (network mounts, some container bind mounts, FUSE) and needs no
/// kernel watches, which makes it the fallback of ``InotifyWatcher`` when the inotify limits are
/// reached. Each scan reads every folder and `lstat`s every entry, and reports an entry as
/// modified when its inode, size, modification time (nanoseconds) or mode differ from the
/// previous scan: an edit that keeps the size changes the time, an editor's atomic save (write a
/// temporary file, rename it over the original) changes the inode. A folder's own modification
/// time is not used to skip anything, since editing a file's content leaves its folder untouched.
///
/// A root that does not exist is not an error: its creation is reported when it appears, and its
/// removal (with everything in it) when it goes.
///
/// Cost: one `fstatat` per entry plus one `open`/`getdents`/`close` per folder and scan, with no
/// allocation for an unchanged entry whose name fits in a small string (15 bytes). That is the
/// floor of this approach: a C program doing exactly these calls needs about 110 ms per scan of
/// 50,000 files in 5,000 folders on the 2-core machine of PLATFORM-NOTES.md (this type: about
/// 125 ms), so such a tree costs a fifth of a core at a 500 ms interval. The next scan starts
/// `interval` after the previous one *ended*, so a slow scan cannot saturate a core; a
/// `cpuBudget` caps the cost further by lengthening the pause after an expensive scan.
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
  ///   - cpuBudget: The share of one core the scans may use, such as `0.05`. After a scan that
  ///     cost more than that share of `interval`, the pause grows to match (a scan costing
  ///     120 ms of CPU with a budget of 0.05 is followed by a 2.28 s pause), trading latency for
  ///     CPU on big trees. `nil` (the default) always pauses `interval`.
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
    let events = core.state.withLock { $0.addTree(path, reportsItself: reportsItself) }
    return reportingContents ? events : []
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
      let cpuBefore = Self.threadCPUTime()
      let events = state.withLock { $0.scan() }
      var pause = interval
      if let cpuBudget {
        pause = max(interval, (Self.threadCPUTime() - cpuBefore) * ((1 - cpuBudget) / cpuBudget))
      }
      nextScan = clock.now + pause
      if !events.isEmpty && !wake.isStopRequested { sink(.changed(events)) }
    }
  }

  /// The CPU time (user and system) this thread used so far: what a scan costs, unlike the
  /// wall-clock time, which also counts waiting for the disk or for a core.
  private static func threadCPUTime() -> Duration {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
  }
}

/// One polled folder and what the last scan saw in it (`nil`: it did not exist).
private struct PolledTree {
  var path: String
  var reportsItself: Bool
  var snapshot: FolderSnapshot?
}

/// What a scan saw in one folder, by entry name.
private final class FolderSnapshot {
  var entries: [String: SnapshotEntry] = [:]
}

/// What a scan saw of one entry.
private struct SnapshotEntry {
  var inode: UInt64
  var size: Int64
  var modificationTime: Int64
  var mode: UInt32
  /// The scan that last saw the entry: entries left behind by the current scan were removed.
  var generation: UInt32
  /// The folder's own snapshot, for a folder (never for a symlink to one).
  var folder: FolderSnapshot?

  init(_ info: stat, generation: UInt32) {
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    modificationTime = Self.nanoseconds(info.st_mtim)
    mode = info.st_mode
    self.generation = generation
    folder = Self.isDirectory(info.st_mode) ? FolderSnapshot() : nil
  }

  var isDirectory: Bool { folder != nil }

  static func isDirectory(_ mode: UInt32) -> Bool { mode & S_IFMT == S_IFDIR }

  static func nanoseconds(_ time: timespec) -> Int64 {
    Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
  }

  enum Comparison { case same, modified, replaced }

  /// Records what `info` says now and how it differs from before. A folder's own changes are
  /// not modifications: its entries' changes are reported instead.
  mutating func update(from info: stat, generation: UInt32) -> Comparison {
    self.generation = generation
    guard Self.isDirectory(info.st_mode) == isDirectory else { return .replaced }
    let inode = UInt64(info.st_ino)
    let size = Int64(info.st_size)
    let modificationTime = Self.nanoseconds(info.st_mtim)
    if inode == self.inode && size == self.size && modificationTime == self.modificationTime
      && info.st_mode == mode
    {
      return .same
    }
    self.inode = inode
    self.size = size
    self.modificationTime = modificationTime
    mode = info.st_mode
    return isDirectory ? .same : .modified
  }
}

/// The snapshots of all polled folders and the scan that compares them with the disk.
private struct PollingScanner {
  let exclusion: WatchExclusion
  var trees: [PolledTree] = []
  private var generation: UInt32 = 0

  init(exclusion: WatchExclusion) { self.exclusion = exclusion }

  /// Starts over with `roots`, taking their snapshots silently.
  mutating func reset(roots: [String]) {
    trees = []
    for root in roots { _ = addTree(root, reportsItself: true) }
  }

  /// Adds a tree and takes its snapshot; returns what it holds as `.created` events.
  mutating func addTree(_ path: String, reportsItself: Bool) -> [FileEvent] {
    guard !trees.contains(where: { $0.path == path }) else { return [] }
    var tree = PolledTree(path: path, reportsItself: reportsItself, snapshot: nil)
    var events: [FileEvent] = []
    if DirectoryWalker.isDirectory(path) {
      let snapshot = FolderSnapshot()
      rescan(snapshot, at: path, isRoot: true, into: &events)
      tree.snapshot = snapshot
    }
    trees.append(tree)
    return events
  }

  /// Compares every tree with the disk and updates the snapshots; returns the differences.
  mutating func scan() -> [FileEvent] {
    generation &+= 1
    var events: [FileEvent] = []
    for index in trees.indices {
      let tree = trees[index]
      var info = stat()
      let exists = stat(tree.path, &info) == 0
      let code = errno
      if exists && SnapshotEntry.isDirectory(info.st_mode) {
        if let snapshot = tree.snapshot {
          rescan(snapshot, at: tree.path, isRoot: true, into: &events)
        } else {
          if tree.reportsItself {
            events.append(FileEvent(path: tree.path, kind: .created, isDirectory: true))
          }
          let snapshot = FolderSnapshot()
          rescan(snapshot, at: tree.path, isRoot: true, into: &events)
          trees[index].snapshot = snapshot
        }
      } else if let snapshot = tree.snapshot, exists || code == ENOENT || code == ENOTDIR {
        // Gone (or now a file). Other errors (EACCES, ELOOP…) leave the snapshot as it was,
        // rather than reporting everything removed because of a passing problem.
        reportRemoval(ofContentsOf: snapshot, at: tree.path, into: &events)
        if tree.reportsItself {
          events.append(FileEvent(path: tree.path, kind: .removed, isDirectory: true))
        }
        trees[index].snapshot = nil
      }
    }
    return events
  }

  /// Brings `folder`, the snapshot of the folder at `path`, up to date, appending what changed.
  ///
  /// A folder that cannot be opened keeps its snapshot: if it is gone, the scan of its parent
  /// reports that.
  private mutating func rescan(
    _ folder: FolderSnapshot, at path: String, isRoot: Bool, into events: inout [FileEvent]
  ) {
    var seen = 0
    var added = 0
    do {
      // The folder is closed before descending, so a scan holds one descriptor at a time.
      guard var directory = OpenDirectory(path, followingSymlink: isRoot) else { return }
      var info = stat()
      while let entry = directory.next() {
        // Gone between readdir and fstatat: the next scan sees it missing.
        guard fstatat(directory.descriptor, entry.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
        let name = String(cString: entry.name)
        if let index = folder.entries.index(forKey: name) {
          seen += 1
          switch folder.entries.values[index].update(from: info, generation: generation) {
          case .same: break
          case .modified:
            events.append(FileEvent(path: DirectoryWalker.join(path, name), kind: .modified, isDirectory: false))
          case .replaced:
            // A file became a folder or the other way round: report both sides.
            let childPath = DirectoryWalker.join(path, name)
            let old = folder.entries.values[index]
            if let oldFolder = old.folder { reportRemoval(ofContentsOf: oldFolder, at: childPath, into: &events) }
            events.append(FileEvent(path: childPath, kind: .removed, isDirectory: old.isDirectory))
            let isExcluded = SnapshotEntry.isDirectory(info.st_mode)
              && exclusion.excludes(directory: childPath, name: name[...])
            if isExcluded {
              // Now an excluded folder: forget it, as if it had never been seen.
              folder.entries.remove(at: index)
              seen -= 1
            } else {
              folder.entries.values[index] = SnapshotEntry(info, generation: generation)
              events.append(FileEvent(path: childPath, kind: .created, isDirectory: SnapshotEntry.isDirectory(info.st_mode)))
            }
          }
        } else {
          let childPath = DirectoryWalker.join(path, name)
          let isDirectory = SnapshotEntry.isDirectory(info.st_mode)
          // An excluded folder is never recorded, so it is checked again each scan; there are
          // few of them, and a path-based exclusion needs the path anyway.
          if isDirectory && exclusion.excludes(directory: childPath, name: name[...]) { continue }
          folder.entries[name] = SnapshotEntry(info, generation: generation)
          added += 1
          events.append(FileEvent(path: childPath, kind: .created, isDirectory: isDirectory))
        }
      }
    }
    if seen + added < folder.entries.count {
      let gone = folder.entries.filter { $0.value.generation != generation }
      for (name, entry) in gone {
        let childPath = DirectoryWalker.join(path, name)
        if let child = entry.folder { reportRemoval(ofContentsOf: child, at: childPath, into: &events) }
        events.append(FileEvent(path: childPath, kind: .removed, isDirectory: entry.isDirectory))
        folder.entries[name] = nil
      }
    }
    // A new folder has an empty snapshot, so rescanning it reports everything in it as created.
    for (name, entry) in folder.entries {
      if let child = entry.folder {
        rescan(child, at: DirectoryWalker.join(path, name), isRoot: false, into: &events)
      }
    }
  }

  /// Appends `.removed` for everything `folder` held, innermost first (the order `rm -r` uses).
  private func reportRemoval(ofContentsOf folder: FolderSnapshot, at path: String, into events: inout [FileEvent]) {
    for (name, entry) in folder.entries {
      let childPath = DirectoryWalker.join(path, name)
      if let child = entry.folder { reportRemoval(ofContentsOf: child, at: childPath, into: &events) }
      events.append(FileEvent(path: childPath, kind: .removed, isDirectory: entry.isDirectory))
    }
  }
}
