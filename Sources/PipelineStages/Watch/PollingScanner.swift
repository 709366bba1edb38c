import Glibc
import PipelineCore

/// The snapshots of all polled folders, and the round that compares them with the disk.
///
/// A round works in tiers, so that a big tree costs a bounded share of a core without losing
/// a change:
///
/// 1. Every known folder is `stat`ed. A folder is listed again (`getdents`) only when its own
///    identity (inode, modification and change time in nanoseconds) moved, or when it is
///    *racy*: its modification time is not at least ``racyMargin`` older than its last listing,
///    so an entry created in the same timestamp tick (file systems stamp from a coarse clock,
///    some with whole seconds) would leave the identity as it was. A listing finds every
///    creation, removal and rename, an editor's atomic save (rename over the file) among them;
///    it `stat`s only the names that are new or whose listed inode (`d_ino`) differs from the
///    recorded one.
/// 2. An edit in place (truncate and write) leaves the folder alone, so it is found by
///    `stat`ing files. *Hot* folders — something changed in them in the last ``hotWindow``, or
///    they hold files modified in the last ``racyMargin``, or they were just listed because
///    their identity moved — have all their files `stat`ed every round. The others are `stat`ed
///    in rotation, in tree order, for as long as the round's CPU allowance lasts (at least one
///    folder per round), so every file is `stat`ed once per *turn*. A tree whose whole scan
///    fits in the allowance is scanned whole every round.
///
/// A folder that was listed because its identity moved has all its files `stat`ed too: a name
/// removed and created again can get the same inode number back (ext4 and tmpfs reuse them),
/// which `d_ino` alone would not tell apart.
///
/// A file whose modification time is within ``racyMargin`` of a round that `stat`s it is
/// *racy*: an edit in the same timestamp tick that keeps its size would leave everything a
/// `stat` says as it was (on a file system with whole seconds, or within one tick of the
/// kernel's coarse clock on any). Such a file, up to ``racyContentLimit``, is hashed at each
/// of those rounds, and a round that finds other bytes behind the same `stat` reports it
/// modified; git's index handles its "racy" entries the same way.
struct PollingScanner {
  let exclusion: WatchExclusion
  var trees: [PolledTree] = []
  /// Timestamps are rounded down to a multiple of this many nanoseconds, as on a file system
  /// with coarse timestamps. For tests (1: as the file system gives them).
  var timestampGranularity: Int64 = 1
  /// For tests: `false` stops the rotation, so that only a folder's identity, its raciness and
  /// its heat decide what a round reads.
  var rotates = true
  /// For tests: `false` leaves files' change times out, as on a file system whose change times
  /// are as coarse as its modification times.
  var comparesChangeTime = true
  /// What the last round did, for tests.
  private(set) var lastRound = RoundCounts()
  private var generation: UInt32 = 0
  private var turn: UInt32 = 1

  /// How much older than its listing a folder's modification time must be for the listing to
  /// be trusted, and how long a file counts as just modified. Two seconds: one tick of the
  /// coarsest timestamps in use (FAT's are two seconds; many network mounts keep one), plus
  /// the lag of the kernel's coarse clock.
  static let racyMargin: Int64 = 2_000_000_000
  /// How long a folder in which something changed has all its files `stat`ed every round:
  /// where one edit was made, the next one usually follows.
  static let hotWindow: Int64 = 60_000_000_000
  /// Racy files larger than this (1 MiB) are not hashed: an edit that keeps their size within
  /// the tick of the last round is seen at their next change.
  static let racyContentLimit = 1 << 20

  /// How many folders and files a round listed and `stat`ed.
  struct RoundCounts: Equatable {
    var foldersListed = 0
    var filesStated = 0
    /// Folders whose files were all `stat`ed.
    var foldersStatedWhole = 0
    /// Whether this round finished a turn of the rotation.
    var finishedTurn = false
  }

  init(exclusion: WatchExclusion) { self.exclusion = exclusion }

  /// Starts over with `roots`, taking their snapshots silently.
  mutating func reset(roots: [String]) {
    trees = []
    for root in roots { _ = addTree(root, reportsItself: true, reportingContents: false) }
  }

  /// Adds a tree and takes its snapshot.
  ///
  /// - Parameter reportingContents: Whether to return what the tree holds as `.created`
  ///   events. A silent snapshot builds no event at all: on a tree of 50,000 files, their
  ///   paths and events would take about 5.5 MB that the caller throws away.
  /// - Returns: The `.created` events when `reportingContents`, otherwise nothing.
  mutating func addTree(_ path: String, reportsItself: Bool, reportingContents: Bool) -> [FileEvent] {
    guard !trees.contains(where: { $0.path == path }) else { return [] }
    var tree = PolledTree(path: path, reportsItself: reportsItself, snapshot: nil)
    var events: [FileEvent] = []
    var info = stat()
    if stat(path, &info) == 0 && SnapshotEntry.isDirectory(info.st_mode) {
      let snapshot = FolderSnapshot()
      var round = Round(cpuAllowance: nil, isInitial: true, reportsCreations: reportingContents)
      visit(snapshot, at: path, info: info, isRoot: true, round: &round, into: &events)
      tree.snapshot = snapshot
    }
    trees.append(tree)
    return events
  }

  /// Compares the trees with the disk, tier by tier, and updates the snapshots; returns the
  /// differences.
  ///
  /// - Parameter cpuAllowance: The thread CPU time after which no more folders are `stat`ed in
  ///   rotation this round (hot folders still are). `nil`: every folder, every round.
  mutating func scan(cpuAllowance: Duration?) -> [FileEvent] {
    generation &+= 1
    var round = Round(cpuAllowance: cpuAllowance, isInitial: false, reportsCreations: true)
    var events: [FileEvent] = []
    for index in trees.indices {
      let tree = trees[index]
      var info = stat()
      let exists = stat(tree.path, &info) == 0
      let code = errno
      if exists && SnapshotEntry.isDirectory(info.st_mode) {
        if let snapshot = tree.snapshot {
          visit(snapshot, at: tree.path, info: info, isRoot: true, round: &round, into: &events)
        } else {
          if tree.reportsItself {
            events.append(FileEvent(path: tree.path, kind: .created, isDirectory: true))
          }
          let snapshot = FolderSnapshot()
          visit(snapshot, at: tree.path, info: info, isRoot: true, round: &round, into: &events)
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
    round.counts.finishedTurn = !round.skippedFolder
    if round.counts.finishedTurn { turn &+= 1 }
    lastRound = round.counts
    return events
  }

  /// The CPU time (user and system) the calling thread used so far: what a scan costs, unlike
  /// the wall-clock time, which also counts waiting for the disk or for a core.
  static func threadCPUTime() -> Duration {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
  }

  // MARK: One round

  /// What one round knows while it walks the trees.
  private struct Round {
    let monotonicNow = Round.nanoseconds(CLOCK_MONOTONIC)
    let cpuAllowance: Duration?
    let cpuStart: Duration
    /// The initial snapshot: what it finds are not changes, so no folder turns hot.
    let isInitial: Bool
    /// Whether entries found for the first time are reported as `.created`: `false` for a
    /// silent initial snapshot.
    let reportsCreations: Bool
    var allowanceUsedUp = false
    var foldersRotated = 0
    /// Whether a folder due in the rotation was left for a later round.
    var skippedFolder = false
    var counts = RoundCounts()

    init(cpuAllowance: Duration?, isInitial: Bool, reportsCreations: Bool) {
      self.cpuAllowance = cpuAllowance
      self.isInitial = isInitial
      self.reportsCreations = reportsCreations
      cpuStart = cpuAllowance == nil ? .zero : PollingScanner.threadCPUTime()
    }

    /// Whether one more folder may be `stat`ed in rotation: the allowance is not used up, or
    /// none was yet this round (so the rotation always moves on).
    mutating func mayStatInRotation() -> Bool {
      if let cpuAllowance, foldersRotated > 0, !allowanceUsedUp,
        PollingScanner.threadCPUTime() - cpuStart >= cpuAllowance
      {
        allowanceUsedUp = true
      }
      if allowanceUsedUp { return false }
      foldersRotated += 1
      return true
    }

    static func nanoseconds(_ clock: clockid_t) -> Int64 {
      var time = timespec()
      clock_gettime(clock, &time)
      return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
  }

  /// Brings the folder at `path` and everything below it up to date for this round.
  ///
  /// - Parameter info: What `stat` (a root) or `lstat` (a subfolder) says of it now.
  private mutating func visit(
    _ folder: FolderSnapshot, at path: String, info: stat, isRoot: Bool, round: inout Round,
    into events: inout [FileEvent]
  ) {
    let identity = FolderIdentity(info, granularity: timestampGranularity)
    let moved = identity != folder.identity
    // A folder holding a racy file's hash is stated until the hash is dropped, whatever the
    // interval: the round that drops it is the one that sees an edit in its last tick.
    var statingAll = moved || folder.hotUntil > round.monotonicNow || !folder.contentHashes.isEmpty
    if !statingAll && rotates && folder.statedTurn != turn {
      if round.mayStatInRotation() { statingAll = true } else { round.skippedFolder = true }
    }
    let isRacy = identity.modificationTime > folder.listedAt - Self.racyMargin
    if statingAll || isRacy {
      if list(folder, at: path, isRoot: isRoot, statingAll: statingAll, round: &round, into: &events) {
        // Recorded only once listed: a folder that could not be read is tried again.
        folder.identity = identity
        // The snapshot does not count as a turn: with no allowance, the next round must still
        // stat everything.
        if statingAll && !round.isInitial {
          folder.statedTurn = turn
          round.counts.foldersStatedWhole += 1
        }
      }
    }
    // A new folder has an empty snapshot and an unknown identity, so visiting it lists it and
    // reports everything in it as created.
    for (name, entry) in folder.entries {
      guard let child = entry.folder else { continue }
      let childPath = DirectoryWalker.join(path, name)
      var childInfo = stat()
      // Gone, or no longer a folder: the next listing of this folder reports it.
      guard lstat(childPath, &childInfo) == 0, SnapshotEntry.isDirectory(childInfo.st_mode) else { continue }
      visit(child, at: childPath, info: childInfo, isRoot: false, round: &round, into: &events)
    }
  }

  /// Lists the folder at `path` and brings the entries of `folder`, its snapshot, up to date,
  /// appending what changed. Returns `false` when it cannot be opened (the snapshot is kept:
  /// if it is gone, the listing of its parent reports that).
  ///
  /// - Parameter statingAll: `stat` every entry; otherwise only the names that are new or whose
  ///   listed inode differs from the recorded one.
  private mutating func list(
    _ folder: FolderSnapshot, at path: String, isRoot: Bool, statingAll: Bool, round: inout Round,
    into events: inout [FileEvent]
  ) -> Bool {
    let eventsBefore = events.count
    var seen = 0
    var holdsRacyFile = false
    do {
      // The folder is closed before the subfolders are visited, so a round holds one
      // descriptor at a time.
      guard var directory = OpenDirectory(path, followingSymlink: isRoot) else { return false }
      folder.listedAt = Round.nanoseconds(CLOCK_REALTIME)
      round.counts.foldersListed += 1
      let recentlyModified = folder.listedAt - Self.racyMargin
      var info = stat()
      while let entry = directory.next() {
        let name = String(cString: entry.name)
        let index = folder.entries.index(forKey: name)
        if let index, !statingAll, folder.entries.values[index].inode == entry.inode {
          folder.entries.values[index].generation = generation
          seen += 1
          continue
        }
        // Gone between getdents and fstatat: reported removed below, as it is.
        guard fstatat(directory.descriptor, entry.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
        round.counts.filesStated += 1
        let modified = SnapshotEntry.nanoseconds(info.st_mtim, granularity: timestampGranularity)
        // A time further ahead than the margin (a file dated in the future, a server whose clock
        // runs ahead) is never "the tick of this round": hashing it would go on forever.
        let isRacy = modified > recentlyModified && modified <= folder.listedAt + Self.racyMargin
          && !SnapshotEntry.isDirectory(info.st_mode)
        if let index {
          seen += 1
          let reported = events.count
          compare(folder, at: index, with: info, in: path, name: name, into: &events, seen: &seen)
          if checkContent(of: name, named: entry.name, in: folder, directory: directory.descriptor, info: info, isRacy: isRacy),
            events.count == reported
          {
            events.append(FileEvent(path: DirectoryWalker.join(path, name), kind: .modified, isDirectory: false))
          }
          if isRacy { holdsRacyFile = true }
        } else {
          let isDirectory = SnapshotEntry.isDirectory(info.st_mode)
          // An excluded folder is never recorded, so it is checked again at each listing; there
          // are few of them, and a path-based exclusion needs the path anyway.
          if isDirectory && exclusion.excludes(directory: DirectoryWalker.join(path, name), name: name[...]) {
            continue
          }
          folder.entries[name] = SnapshotEntry(
            info, generation: generation, granularity: timestampGranularity, comparesChangeTime: comparesChangeTime)
          seen += 1
          _ = checkContent(of: name, named: entry.name, in: folder, directory: directory.descriptor, info: info, isRacy: isRacy)
          if isRacy { holdsRacyFile = true }
          if round.reportsCreations {
            // Not there at the last round: new at this path.
            events.append(FileEvent(path: DirectoryWalker.join(path, name), kind: .created, isDirectory: isDirectory, isNew: true))
          }
        }
      }
    }
    if seen < folder.entries.count {
      let gone = folder.entries.filter { $0.value.generation != generation }
      for (name, entry) in gone {
        if folder.contentHashes.removeValue(forKey: name) != nil && folder.contentHashes.isEmpty {
          folder.contentHashes = [:]
        }
        let childPath = DirectoryWalker.join(path, name)
        if let child = entry.folder { reportRemoval(ofContentsOf: child, at: childPath, into: &events) }
        events.append(FileEvent(path: childPath, kind: .removed, isDirectory: entry.isDirectory))
        folder.entries[name] = nil
      }
    }
    if events.count > eventsBefore && !round.isInitial {
      folder.hotUntil = round.monotonicNow + Self.hotWindow
    } else if holdsRacyFile {
      folder.hotUntil = max(folder.hotUntil, round.monotonicNow + Self.racyMargin)
    }
    return true
  }

  /// Hashes a racy file, or one hashed while it was racy, and keeps the hash while it stays
  /// racy. Returns `true` when the bytes differ from the hash of the last round: an edit that
  /// left its `stat` as it was.
  ///
  /// A hash is dropped at the first round that finds the file no longer racy, after that round
  /// compared it: an edit in the tick of the last racy round came before this one.
  ///
  /// - Parameters:
  ///   - name: The entry's key in the snapshot.
  ///   - rawName: The entry's name as the listing gave it: a name that is not UTF-8 differs
  ///     from `name`, whose bad bytes were replaced.
  private func checkContent(
    of name: String, named rawName: UnsafePointer<CChar>, in folder: FolderSnapshot, directory: Int32,
    info: stat, isRacy: Bool
  ) -> Bool {
    let known = folder.contentHashes[name]
    guard isRacy || known != nil else { return false }
    var hash: Int?
    if info.st_mode & S_IFMT == S_IFREG && info.st_size <= Self.racyContentLimit {
      // O_NONBLOCK: a FIFO is not a regular file, but it may have replaced one since the stat.
      let descriptor = openat(directory, rawName, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
      if descriptor >= 0 {
        var opened = stat()
        if fstat(descriptor, &opened) == 0 && opened.st_mode & S_IFMT == S_IFREG {
          hash = FileContent.hashContents(of: descriptor, size: Int(opened.st_size))?.hash
        }
        close(descriptor)
      }
    }
    folder.contentHashes[name] = isRacy ? hash : nil
    // Emptied, it gives its storage back (removing keys keeps the capacity).
    if known != nil && folder.contentHashes.isEmpty { folder.contentHashes = [:] }
    guard let known, let hash else { return false }
    return known != hash
  }

  /// Compares the known entry at `index` of `folder` with what `fstatat` says now, appending
  /// what changed.
  private func compare(
    _ folder: FolderSnapshot, at index: Dictionary<String, SnapshotEntry>.Index, with info: stat,
    in path: String, name: String, into events: inout [FileEvent], seen: inout Int
  ) {
    switch folder.entries.values[index].update(from: info, generation: generation, granularity: timestampGranularity) {
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
        folder.entries.values[index] = SnapshotEntry(
          info, generation: generation, granularity: timestampGranularity, comparesChangeTime: comparesChangeTime)
        events.append(FileEvent(path: childPath, kind: .created, isDirectory: SnapshotEntry.isDirectory(info.st_mode)))
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
