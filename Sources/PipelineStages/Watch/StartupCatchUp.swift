import Glibc

/// Finds the changes made between the launch and the moment a folder's watch was added, so the
/// watch stage can send its startup batch *before* walking the tree instead of after.
///
/// On a big tree the walk takes a tenth of a second or more (5,000 folders: about 80 ms), and
/// the first build used to wait for it. Now the build starts at once and the walk runs beside
/// it; but the build may read a file before the walk reaches that file's folder, so a change
/// made in between would be in neither the build nor an event. Once each folder's watch is in
/// place, the walk therefore asks what changed there since the launch:
///
/// - a file whose status-change time (`ctime`) is at or after the launch is reported
///   `.modified`. `ctime` moves on every write, rename and `chmod`, and unlike `mtime` no tool
///   can set it back (`touch -d`, `tar`, `git checkout` can set `mtime` to anything);
/// - a folder whose own `ctime` moved had an entry added, removed or renamed. A removal leaves
///   nothing behind to report, so the folder is rescanned (every stage treats it as all
///   changed), whatever else changed in it. Except for the roots: their entries are listed at
///   the launch, before the startup batch goes out, so what went is known by name and
///   reported `.removed`. That matters because builds write their output next to the sources
///   (`.build`, `tmp`, `target`, `node_modules`…): a rescan there would run every stage again.
///
/// A change made shortly *before* the launch may be reported too, which costs at most one
/// redundant build, never a lost change. The launch is read from the kernel's coarse clock, the
/// one it stamps files with, and file systems round stamps *down* to their granularity
/// (100 ns on NTFS, 10 ms on exFAT, 1 or 2 s on FAT and HFS+): a stamp is compared with the
/// launch rounded down the same way, the granularity read from the stamp's trailing zeros.
struct StartupCatchUp: Sendable, Hashable {
  /// The launch, in seconds and nanoseconds of `CLOCK_REALTIME_COARSE`.
  let seconds: Int
  let nanoseconds: Int
  /// What each root held at the launch: its entries' names, and whether each is a folder.
  let rootEntries: [String: [String: Bool]]

  init(seconds: Int, nanoseconds: Int, rootEntries: [String: [String: Bool]] = [:]) {
    self.seconds = seconds
    self.nanoseconds = nanoseconds
    self.rootEntries = rootEntries
  }

  /// The catch-up for a launch now, with the entries of `roots` (absolute paths) as they are
  /// now. Call it before the startup batch goes out.
  static func now(roots: [String] = []) -> StartupCatchUp {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME_COARSE, &time)
    var rootEntries: [String: [String: Bool]] = [:]
    for root in roots {
      guard let entries = DirectoryWalker.entries(of: root, followingSymlink: true) else { continue }
      rootEntries[root] = Dictionary(entries.map { ($0.name, $0.isDirectory) }) { first, _ in first }
    }
    return StartupCatchUp(seconds: time.tv_sec, nanoseconds: time.tv_nsec, rootEntries: rootEntries)
  }

  /// Whether a file stamped `time` may have changed at or after the launch.
  func isSinceLaunch(_ time: timespec) -> Bool {
    guard time.tv_nsec != 0 else {
      // Whole seconds, maybe two (FAT): anything from the second before the launch on.
      return time.tv_sec >= seconds - 1
    }
    if time.tv_sec != seconds { return time.tv_sec > seconds }
    // The largest power of ten dividing the stamp's nanoseconds is at least the file
    // system's granularity; the launch is rounded down to it.
    var granularity = 1
    while granularity < 100_000_000 && time.tv_nsec % (granularity * 10) == 0 { granularity *= 10 }
    return time.tv_nsec >= nanoseconds / granularity * granularity
  }

  /// What changed since the launch in the folder at `path`, whose watch was just added and
  /// whose entries were just listed.
  ///
  /// - Returns: `.modified` events for the files that changed (folders are checked when the
  ///   walk reaches them) and `.removed` for a root's entries that went, and whether the
  ///   folder must be rescanned because its entries changed (never a root).
  func changes(
    in path: String, entries: [DirectoryWalker.Entry], exclusion: WatchExclusion
  ) -> (events: [FileEvent], needsRescan: Bool) {
    var info = stat()
    var entriesChanged = stat(path, &info) == 0 && isSinceLaunch(info.st_ctim)
    var events: [FileEvent] = []
    if entriesChanged, let before = rootEntries[path] {
      entriesChanged = false
      let names = Set(entries.map(\.name))
      for (name, isDirectory) in before.sorted(by: { $0.key < $1.key }) where !names.contains(name) {
        let child = DirectoryWalker.join(path, name)
        if isDirectory && exclusion.excludes(directory: child, name: name[...]) { continue }
        events.append(FileEvent(path: child, kind: .removed, isDirectory: isDirectory))
      }
    }
    for entry in entries where !entry.isDirectory {
      if DirectoryWalker.status(of: entry.name, in: path, followingSymlink: false, &info) == 0, isSinceLaunch(info.st_ctim) {
        events.append(FileEvent(path: DirectoryWalker.join(path, entry.name), kind: .modified, isDirectory: false))
      }
    }
    return (events, entriesChanged)
  }
}
